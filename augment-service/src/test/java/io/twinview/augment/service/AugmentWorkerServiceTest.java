package io.twinview.augment.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.augment.config.AugmentConfig;
import io.twinview.augment.kafka.WorkerSettings;
import io.twinview.core.config.KafkaConfig;
import io.twinview.core.config.StorageConfig;
import io.twinview.core.kafka.KafkaClients;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AugmentWorkerServiceTest {

    private record Config(
            String tasksTopic,
            int tasksPartitions,
            String groupId,
            Optional<String> workerId,
            int threads,
            Duration retryBackoff,
            String deadLetterTopic,
            Duration sessionTimeout)
            implements AugmentConfig {

        Config(
                String tasksTopic,
                int tasksPartitions,
                String groupId,
                Optional<String> workerId,
                int threads,
                Duration retryBackoff) {
            this(
                    tasksTopic,
                    tasksPartitions,
                    groupId,
                    workerId,
                    threads,
                    retryBackoff,
                    "twinview.augment-dead-letters",
                    Duration.ofSeconds(45));
        }
    }

    private record Storage(
            Optional<String> endpoint,
            Optional<String> accessKey,
            Optional<String> secretKey,
            String bucket,
            String region)
            implements StorageConfig {

        Storage(String endpoint, String accessKey, String secretKey) {
            this(
                    Optional.ofNullable(endpoint),
                    Optional.ofNullable(accessKey),
                    Optional.ofNullable(secretKey),
                    "twinview",
                    "us-east-1");
        }

        @Override
        public Optional<String> accessKeyFile() {
            return Optional.empty(); // the files are ServiceConfigTest's
        }

        @Override
        public Optional<String> secretKeyFile() {
            return Optional.empty();
        }
    }

    private record Kafka(String bootstrapServers, Map<String, String> properties) implements KafkaConfig {

        Kafka(String bootstrapServers) {
            this(bootstrapServers, Map.of());
        }
    }

    private static final Storage NO_STORAGE = new Storage(null, null, null);
    private static final Kafka KAFKA = new Kafka("b:1");

    private static final Config DEFAULTS =
            new Config("twinview.augment-tasks", 32, "twinview-augment", Optional.empty(), 0, Duration.ofSeconds(2));

    @Test
    void defaultsFillInThreadsAndWorkerId() {
        WorkerSettings settings = AugmentWorkerService.settings(DEFAULTS, NO_STORAGE, new Kafka("127.0.0.1:19092"));
        assertEquals(
                Runtime.getRuntime().availableProcessors(), settings.threads(), "threads 0 means one per processor");
        assertTrue(
                settings.workerId().endsWith("-" + ProcessHandle.current().pid()),
                "the default worker id is hostname-pid: " + settings.workerId());
        WorkerSettings blank = AugmentWorkerService.settings(
                new Config("t", 16, "g", Optional.of("  "), 3, Duration.ZERO),
                NO_STORAGE,
                new Kafka("127.0.0.1:19092"));
        assertTrue(blank.workerId().endsWith("-" + ProcessHandle.current().pid()), "a blank worker id is computed too");
        assertEquals(3, blank.threads(), "an explicit thread count is kept");
    }

    @Test
    void badValuesAreRejectedNamingTheKey() {
        IllegalArgumentException threads = assertThrows(
                IllegalArgumentException.class,
                () -> AugmentWorkerService.settings(
                        new Config("t", 16, "g", Optional.empty(), -1, Duration.ZERO), NO_STORAGE, KAFKA));
        assertTrue(
                threads.getMessage().contains("twinview.augment.threads")
                        && threads.getMessage().contains("-1"),
                "names key and value: " + threads.getMessage());
        IllegalArgumentException partitions = assertThrows(
                IllegalArgumentException.class,
                () -> AugmentWorkerService.settings(
                        new Config("t", 0, "g", Optional.empty(), 1, Duration.ZERO), NO_STORAGE, KAFKA));
        assertTrue(partitions.getMessage().contains("twinview.augment.tasks-partitions"), partitions.getMessage());
        IllegalArgumentException bootstrap = assertThrows(
                IllegalArgumentException.class,
                () -> AugmentWorkerService.settings(DEFAULTS, NO_STORAGE, new Kafka(" ")));
        assertTrue(bootstrap.getMessage().contains("kafka.bootstrap.servers"), bootstrap.getMessage());
        IllegalArgumentException deadLetters = assertThrows(
                IllegalArgumentException.class,
                () -> AugmentWorkerService.settings(
                        new Config("t", 4, "g", Optional.empty(), 1, Duration.ZERO, " ", Duration.ofSeconds(45)),
                        NO_STORAGE,
                        KAFKA));
        assertTrue(deadLetters.getMessage().contains("twinview.augment.dead-letter-topic"), deadLetters.getMessage());
        IllegalArgumentException session = assertThrows(
                IllegalArgumentException.class,
                () -> AugmentWorkerService.settings(
                        new Config("t", 4, "g", Optional.empty(), 1, Duration.ZERO, "d", Duration.ofMillis(10)),
                        NO_STORAGE,
                        KAFKA));
        assertTrue(
                session.getMessage().contains("twinview.augment.session-timeout")
                        && session.getMessage().contains("PT0.01S"),
                "names key and value: " + session.getMessage());
    }

    @Test
    void newSettingsReachTheWorker() {
        WorkerSettings settings = AugmentWorkerService.settings(
                new Config("t", 32, "g", Optional.of("w"), 1, Duration.ZERO, "dead", Duration.ofSeconds(6)),
                NO_STORAGE,
                KAFKA);
        assertEquals("dead", settings.deadLetterTopic(), "the dead-letter topic is configurable");
        assertEquals(Duration.ofSeconds(6), settings.sessionTimeout(), "the session timeout is configurable");
        assertEquals(32, settings.tasksPartitions(), "tasks partitions pass through");
    }

    @Test
    void everyKafkaPropertyReachesTheWorkersClients() {
        WorkerSettings settings = AugmentWorkerService.settings(
                DEFAULTS, NO_STORAGE, new Kafka("b:1", Map.of("security.protocol", "PLAINTEXT")));
        assertEquals(
                new KafkaClients("b:1", Map.of("security.protocol", "PLAINTEXT")),
                settings.kafka(),
                "kafka.* properties go to the factory of every client of the worker");
    }

    @Test
    void objectStorageIsOptionalButComplete() {
        assertNull(
                AugmentWorkerService.settings(DEFAULTS, NO_STORAGE, KAFKA).storage(),
                "without twinview.storage.endpoint the worker has no object storage");
        assertNull(
                AugmentWorkerService.settings(DEFAULTS, new Storage(" ", "k", "s"), KAFKA)
                        .storage(),
                "a blank endpoint is no endpoint");

        WorkerSettings settings = AugmentWorkerService.settings(
                DEFAULTS,
                new Storage(
                        Optional.of("http://127.0.0.1:9000"),
                        Optional.of("key"),
                        Optional.of("s3cr3t-value"),
                        "twinview",
                        "eu-west-1"),
                KAFKA);
        assertEquals("http://127.0.0.1:9000", settings.storage().endpoint(), "the endpoint reaches the worker");
        assertEquals("key", settings.storage().accessKey(), "the access key reaches the worker");
        assertEquals("s3cr3t-value", settings.storage().secretKey(), "the secret key reaches the worker");
        assertEquals("eu-west-1", settings.storage().region(), "the region reaches the worker");
        assertTrue(!settings.toString().contains("s3cr3t-value"), "the secret is never printed: " + settings);

        IllegalArgumentException noKey = assertThrows(
                IllegalArgumentException.class,
                () -> AugmentWorkerService.settings(DEFAULTS, new Storage("http://127.0.0.1:9000", null, "s"), KAFKA));
        assertTrue(
                noKey.getMessage().contains("twinview.storage.access-key"),
                "names the missing key: " + noKey.getMessage());
        IllegalArgumentException noSecret = assertThrows(
                IllegalArgumentException.class,
                () -> AugmentWorkerService.settings(DEFAULTS, new Storage("http://127.0.0.1:9000", "k", ""), KAFKA));
        assertTrue(
                noSecret.getMessage().contains("twinview.storage.secret-key"),
                "names the missing key: " + noSecret.getMessage());
        IllegalArgumentException badUrl = assertThrows(
                IllegalArgumentException.class,
                () -> AugmentWorkerService.settings(DEFAULTS, new Storage("127.0.0.1:9000/x", "k", "s"), KAFKA));
        assertTrue(
                badUrl.getMessage().contains("twinview.storage.endpoint")
                        && badUrl.getMessage().contains("127.0.0.1:9000/x"),
                "names the key and the value: " + badUrl.getMessage());
    }
}
