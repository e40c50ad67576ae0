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
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(properties, "test", 400), new EnvConfigSource(environment, 300))
                .withMapping(mapping)
                .withValidateUnknown(true)
                .build();
        return config.getConfigMapping(mapping);
    }
}
