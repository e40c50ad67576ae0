package io.twinview.core.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithName;
import io.smallrye.config.WithParentName;
import io.twinview.core.kafka.KafkaClients;
import java.util.Map;

/**
 * Kafka ({@code kafka.*}), one block for every service: {@code kafka.bootstrap.servers} and any other
 * Kafka client property under the same prefix ({@code kafka.security.protocol}, {@code kafka.sasl.mechanism},
 * {@code kafka.ssl.truststore.location}, ...), Quarkus's own convention for its default Kafka
 * configuration. Every producer, consumer and admin client of a service gets them all through
 * {@link #clients()}. Environment variables map as usual ({@code KAFKA_SECURITY_PROTOCOL} is
 * {@code kafka.security.protocol}), so any {@code KAFKA_*} variable of a service's environment reaches
 * its clients too.
 *
 * <p>Quarkus finds this mapping in core's jar because core is a bean archive ({@code META-INF/beans.xml}).
 */
@ConfigMapping(prefix = "kafka")
public interface KafkaConfig {

    /** {@code host:port[,host:port...]}. Required. */
    @WithName("bootstrap.servers")
    String bootstrapServers();

    /** Every {@code kafka.*} key without its prefix ({@code bootstrap.servers} included) and its value. */
    @WithParentName
    Map<String, String> properties();

    /** The factory of this service's Kafka clients. */
    default KafkaClients clients() {
        return new KafkaClients(bootstrapServers(), properties());
    }
}
