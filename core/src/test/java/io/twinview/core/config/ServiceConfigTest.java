package io.twinview.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.twinview.core.kafka.KafkaClients;
import io.twinview.core.storage.StorageSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    @Test
    void storageKeysComeFromTheEnvironmentOrFromMountedFiles(@TempDir Path secrets) throws IOException {
        // a Kubernetes Secret mounted as a volume: one file per key, often with a trailing newline
        Files.writeString(secrets.resolve("access-key"), "mounted-key\n");
        Files.writeString(secrets.resolve("secret-key"), "mounted-secret");
        StorageConfig files = bind(
                StorageConfig.class,
                Map.of("twinview.storage.endpoint", "http://127.0.0.1:9000"),
                Map.of(
                        "TWINVIEW_STORAGE_ACCESS_KEY_FILE",
                                secrets.resolve("access-key").toString(),
                        "TWINVIEW_STORAGE_SECRET_KEY_FILE",
                                secrets.resolve("secret-key").toString()));
        assertEquals("mounted-key", files.settings().accessKey(), "the file's content without its newline");
        assertEquals("mounted-secret", files.settings().secretKey(), "the secret from its file");

        StorageConfig environment = bind(
                StorageConfig.class,
                Map.of("twinview.storage.endpoint", "http://127.0.0.1:9000"),
                Map.of("TWINVIEW_STORAGE_ACCESS_KEY", "env-key", "TWINVIEW_STORAGE_SECRET_KEY", "env-secret"));
        assertEquals("env-key", environment.settings().accessKey(), "the access key from the environment");
        assertEquals("env-secret", environment.settings().secretKey(), "the secret from the environment");

        StorageConfig both = bind(
                StorageConfig.class,
                Map.of("twinview.storage.endpoint", "http://127.0.0.1:9000", "twinview.storage.access-key", "k"),
                Map.of(
                        "TWINVIEW_STORAGE_SECRET_KEY",
                        "env-secret",
                        "TWINVIEW_STORAGE_SECRET_KEY_FILE",
                        secrets.resolve("secret-key").toString()));
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, both::settings);
        assertTrue(
                twice.getMessage().contains("twinview.storage.secret-key and twinview.storage.secret-key-file"),
                "one key given two ways is refused naming both settings: " + twice.getMessage());
        assertFalse(twice.getMessage().contains("env-secret"), "the message never holds the secret");

        Path missing = secrets.resolve("no-such-file");
        StorageConfig unreadable = bind(
                StorageConfig.class,
                Map.of(
                        "twinview.storage.endpoint", "http://127.0.0.1:9000",
                        "twinview.storage.access-key", "k",
                        "twinview.storage.secret-key-file", missing.toString()),
                Map.of());
        IllegalArgumentException noFile = assertThrows(IllegalArgumentException.class, unreadable::settings);
        assertTrue(
                noFile.getMessage().startsWith("twinview.storage.secret-key-file=" + missing + " cannot be read"),
                "names the setting and the file: " + noFile.getMessage());

        Files.writeString(secrets.resolve("empty"), "\n");
        StorageConfig empty = bind(
                StorageConfig.class,
                Map.of(
                        "twinview.storage.endpoint", "http://127.0.0.1:9000",
                        "twinview.storage.access-key-file",
                                secrets.resolve("empty").toString(),
                        "twinview.storage.secret-key", "s"),
                Map.of());
        IllegalArgumentException emptyFile = assertThrows(IllegalArgumentException.class, empty::settings);
        assertTrue(emptyFile.getMessage().contains("is empty"), emptyFile.getMessage());
    }

    @Test
    void retryDefaultsWaitMinutesAndABadValueNamesItsSetting() {
        RetryConfig defaults = bindWithDurations(RetryConfig.class, Map.of(), Map.of());

        assertEquals(
                new io.twinview.core.retry.Backoff(
                        java.time.Duration.ofMillis(200),
                        java.time.Duration.ofSeconds(10),
                        java.time.Duration.ofMinutes(10)),
                defaults.backoff(),
                "200 ms doubling to 10 s, for 10 minutes");
        RetryConfig bad = bindWithDurations(
                RetryConfig.class,
                Map.of("twinview.retry.initial-delay", "5s", "twinview.retry.max-delay", "1s"),
                Map.of("TWINVIEW_RETRY_GIVE_UP_AFTER", "30s"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, bad::backoff);
        assertTrue(e.getMessage().startsWith("twinview.retry.max-delay must be at least"), e.getMessage());
        assertEquals(java.time.Duration.ofSeconds(30), bad.giveUpAfter(), "the environment sets it too");
    }

    /** {@link #bind} with Quarkus's duration syntax ({@code 200ms}, {@code 10m}, or ISO-8601), as services read it. */
    private static <T> T bindWithDurations(
            Class<T> mapping, Map<String, String> properties, Map<String, String> environment) {
        java.util.regex.Pattern simple = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h)");
        org.eclipse.microprofile.config.spi.Converter<java.time.Duration> durations = value -> {
            java.util.regex.Matcher m = simple.matcher(value.strip());
            if (!m.matches()) {
                return java.time.Duration.parse(value.strip());
            }
            long amount = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> java.time.Duration.ofMillis(amount);
                case "s" -> java.time.Duration.ofSeconds(amount);
                case "m" -> java.time.Duration.ofMinutes(amount);
                default -> java.time.Duration.ofHours(amount);
            };
        };
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(properties, "test", 400), new EnvConfigSource(environment, 300))
                .withConverter(java.time.Duration.class, 200, durations)
                .withMapping(mapping)
                .withValidateUnknown(true)
                .build();
        return config.getConfigMapping(mapping);
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
