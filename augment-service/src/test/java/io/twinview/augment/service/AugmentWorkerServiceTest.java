package io.twinview.augment.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.augment.config.AugmentConfig;
import io.twinview.augment.kafka.WorkerSettings;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AugmentWorkerServiceTest {

    private record Config(String tasksTopic, int tasksPartitions, String groupId, Optional<String> workerId, int threads,
                          Duration retryBackoff, String deadLetterTopic, Duration sessionTimeout) implements AugmentConfig {

        Config(String tasksTopic, int tasksPartitions, String groupId, Optional<String> workerId, int threads,
               Duration retryBackoff) {
            this(tasksTopic, tasksPartitions, groupId, workerId, threads, retryBackoff, "twinview.augment-dead-letters",
                    Duration.ofSeconds(45));
        }
    }

    private static final Config DEFAULTS =
            new Config("twinview.augment-tasks", 32, "twinview-augment", Optional.empty(), 0, Duration.ofSeconds(2));

    @Test
    void defaultsFillInThreadsAndWorkerId() {
        WorkerSettings settings = AugmentWorkerService.settings(DEFAULTS, "127.0.0.1:19092");
        assertEquals(Runtime.getRuntime().availableProcessors(), settings.threads(), "threads 0 means one per processor");
        assertTrue(settings.workerId().endsWith("-" + ProcessHandle.current().pid()), "the default worker id is hostname-pid: " + settings.workerId());
        WorkerSettings blank = AugmentWorkerService.settings(
                new Config("t", 16, "g", Optional.of("  "), 3, Duration.ZERO), "127.0.0.1:19092");
        assertTrue(blank.workerId().endsWith("-" + ProcessHandle.current().pid()), "a blank worker id is computed too");
        assertEquals(3, blank.threads(), "an explicit thread count is kept");
    }

    @Test
    void badValuesAreRejectedNamingTheKey() {
        IllegalArgumentException threads = assertThrows(IllegalArgumentException.class, () -> AugmentWorkerService.settings(
                new Config("t", 16, "g", Optional.empty(), -1, Duration.ZERO), "b:1"));
        assertTrue(threads.getMessage().contains("twinview.augment.threads") && threads.getMessage().contains("-1"),
                "names key and value: " + threads.getMessage());
        IllegalArgumentException partitions = assertThrows(IllegalArgumentException.class, () -> AugmentWorkerService.settings(
                new Config("t", 0, "g", Optional.empty(), 1, Duration.ZERO), "b:1"));
        assertTrue(partitions.getMessage().contains("twinview.augment.tasks-partitions"), partitions.getMessage());
        IllegalArgumentException bootstrap = assertThrows(IllegalArgumentException.class,
                () -> AugmentWorkerService.settings(DEFAULTS, " "));
        assertTrue(bootstrap.getMessage().contains("kafka.bootstrap.servers"), bootstrap.getMessage());
        IllegalArgumentException deadLetters = assertThrows(IllegalArgumentException.class, () -> AugmentWorkerService.settings(
                new Config("t", 4, "g", Optional.empty(), 1, Duration.ZERO, " ", Duration.ofSeconds(45)), "b:1"));
        assertTrue(deadLetters.getMessage().contains("twinview.augment.dead-letter-topic"), deadLetters.getMessage());
        IllegalArgumentException session = assertThrows(IllegalArgumentException.class, () -> AugmentWorkerService.settings(
                new Config("t", 4, "g", Optional.empty(), 1, Duration.ZERO, "d", Duration.ofMillis(10)), "b:1"));
        assertTrue(session.getMessage().contains("twinview.augment.session-timeout") && session.getMessage().contains("PT0.01S"),
                "names key and value: " + session.getMessage());
    }

    @Test
    void newSettingsReachTheWorker() {
        WorkerSettings settings = AugmentWorkerService.settings(
                new Config("t", 32, "g", Optional.of("w"), 1, Duration.ZERO, "dead", Duration.ofSeconds(6)), "b:1");
        assertEquals("dead", settings.deadLetterTopic(), "the dead-letter topic is configurable");
        assertEquals(Duration.ofSeconds(6), settings.sessionTimeout(), "the session timeout is configurable");
        assertEquals(32, settings.tasksPartitions(), "tasks partitions pass through");
    }
}
