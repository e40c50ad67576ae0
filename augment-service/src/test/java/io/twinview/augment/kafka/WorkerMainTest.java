package io.twinview.augment.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.twinview.core.kafka.KafkaClients;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkerMainTest {

    @Test
    void kafkaVariablesOfTheEnvironmentBecomeDottedClientPropertiesSoSecretsStayOffTheCommandLine() {
        KafkaClients clients = WorkerMain.kafka(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", "b:1",
                "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.scram.ScramLoginModule required;",
                "PATH", "/usr/bin"));
        assertEquals(
                new KafkaClients(
                        "b:1",
                        Map.of(
                                "security.protocol", "SASL_SSL",
                                "sasl.jaas.config",
                                        "org.apache.kafka.common.security.scram.ScramLoginModule required;")),
                clients,
                "KAFKA_SASL_JAAS_CONFIG is sasl.jaas.config; other variables are not Kafka's");
    }
}
