package io.twinview.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.twinview.core.kafka.KafkaClients;
import io.twinview.core.storage.StorageSettings;
import java.util.Map;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

/** The shared mappings as SmallRye Config (the engine of Quarkus's configuration) binds them. */
class ServiceConfigTest {

    @Test
    void everyKafkaKeyReachesTheClientsFromPropertiesAndEnvironment() {
        KafkaConfig kafka = bind(
                KafkaConfig.class,
                Map.of(
                        "kafka.bootstrap.servers", "b:1",
                        "kafka.client.dns.lookup", "use_all_dns_ips"),
                Map.of("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT"));

        assertEquals("b:1", kafka.bootstrapServers(), "kafka.bootstrap.servers");
        KafkaClients expected = new KafkaClients(
                "b:1", Map.of("client.dns.lookup", "use_all_dns_ips", "security.protocol", "PLAINTEXT"));
        assertEquals(
                expected, kafka.clients(), "a dotted key and an environment variable both become client properties");
    }

    @Test
    void kafkaClientPropertiesOfSeveralWordsReachTheClientsFromTheEnvironmentWithDottedKeys() {
        // what a Kubernetes Deployment sets (k8s/components/strimzi): Strimzi's SCRAM user and its cluster CA as a
        // truststore, over an application.properties that names another broker (Quarkus's ordinals: 250 < 300)
        KafkaConfig kafka = bind(
                KafkaConfig.class,
                Map.of("kafka.bootstrap.servers", "b:1"),
                250,
                Map.of(
                        "KAFKA_BOOTSTRAP_SERVERS", "twinview-kafka-bootstrap:9093",
                        "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                        "KAFKA_SASL_MECHANISM", "SCRAM-SHA-512",
                        "KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.scram.ScramLoginModule required;",
                        "KAFKA_SSL_TRUSTSTORE_LOCATION", "/etc/kafka-ca/ca.p12",
                        "KAFKA_SSL_TRUSTSTORE_TYPE", "PKCS12",
                        "KAFKA_SSL_TRUSTSTORE_PASSWORD", "changeit"));

        assertEquals(
                Map.of(
                        "bootstrap.servers", "twinview-kafka-bootstrap:9093",
                        "security.protocol", "SASL_SSL",
                        "sasl.mechanism", "SCRAM-SHA-512",
                        "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;",
                        "ssl.truststore.location", "/etc/kafka-ca/ca.p12",
                        "ssl.truststore.type", "PKCS12",
                        "ssl.truststore.password", "changeit"),
                kafka.properties(),
                "every KAFKA_* variable becomes the dotted Kafka client key, the environment winning over application.properties");
        assertEquals("twinview-kafka-bootstrap:9093", kafka.bootstrapServers(), "KAFKA_BOOTSTRAP_SERVERS wins");
    }

    @Test
    void storageWithEveryKeyGivesTheSettingsWithDefaults() {
        StorageConfig storage = bind(
                StorageConfig.class,
                Map.of(
                        "twinview.storage.endpoint", "http://127.0.0.1:9000",
                        "twinview.storage.access-key", "key",
                        "twinview.storage.secret-key", "secret"),
                Map.of());

        assertEquals(
                new StorageSettings("http://127.0.0.1:9000", "key", "secret", "twinview", "us-east-1"),
                storage.settings(),
                "bucket twinview and region us-east-1 by default");
    }

    @Test
    void storageIsOptionalToBindButRequiredForSettingsNamingTheMissingKey() {
        StorageConfig none = bind(StorageConfig.class, Map.of(), Map.of());
        assertTrue(none.endpoint().isEmpty(), "a worker may run without storage");
        NoSuchElementException endpoint = assertThrows(NoSuchElementException.class, none::settings);
        assertTrue(endpoint.getMessage().startsWith("twinview.storage.endpoint is required"), endpoint.getMessage());

        StorageConfig noSecret = bind(
                StorageConfig.class,
                Map.of("twinview.storage.endpoint", "http://127.0.0.1:9000", "twinview.storage.access-key", "key"),
                Map.of());
        NoSuchElementException secret = assertThrows(NoSuchElementException.class, noSecret::settings);
        assertTrue(
                secret.getMessage().startsWith("twinview.storage.secret-key is required")
                        && secret.getMessage().contains("TWINVIEW_STORAGE_SECRET_KEY"),
                secret.getMessage());
    }

    private static <T> T bind(Class<T> mapping, Map<String, String> properties, Map<String, String> environment) {
        return bind(mapping, properties, 400, environment);
    }

    private static <T> T bind(
            Class<T> mapping, Map<String, String> properties, int propertiesOrdinal, Map<String, String> environment) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(
                        new PropertiesConfigSource(properties, "test", propertiesOrdinal),
                        new EnvConfigSource(environment, 300))
                .withMapping(mapping)
                .withValidateUnknown(true)
                .build();
        return config.getConfigMapping(mapping);
    }
}
