package io.twinview.augment.kafka;

import io.twinview.core.data.DatasetLimits;
import io.twinview.core.data.DatasetPolicy;
import io.twinview.core.data.DatasetRoots;
import io.twinview.core.kafka.KafkaClients;
import io.twinview.core.kafka.Topics;
import io.twinview.core.storage.StorageSettings;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One {@link TaskWorker} as a plain process, without Quarkus: for tests and benchmarks that start,
 * kill and count worker processes. The service itself runs {@code AugmentWorkerService}.
 *
 * <p>Settings are system properties named as the service's configuration keys:
 * {@code kafka.bootstrap.servers} (required) and any other Kafka client property as {@code kafka.*} (or as a
 * {@code KAFKA_*} environment variable, the way for secrets such as {@code KAFKA_SASL_JAAS_CONFIG}),
 * {@code twinview.augment.tasks-topic}, {@code .tasks-partitions}, {@code .group-id}, {@code .worker-id},
 * {@code .threads},
 * {@code .retry-backoff}, {@code .dead-letter-topic}, {@code .session-timeout} (ISO-8601 or
 * {@code 6s}-style durations), and for datasets on object storage {@code twinview.storage.endpoint},
 * {@code .access-key}, {@code .secret-key}, {@code .bucket}, {@code .region}, with the service's defaults;
 * {@code twinview.datasets.roots} (comma separated) when tasks may only name datasets there (unset: any,
 * as befits a test tool; default dataset limits). Runs until SIGTERM or SIGINT; exits
 * with 1 when the worker's loop ends on its own, 2 for a bad setting.
 */
public final class WorkerMain {

    private static final String PREFIX = "twinview.augment.";
    private static final String KAFKA_PREFIX = "kafka.";
    private static final String KAFKA_ENV_PREFIX = "KAFKA_";

    private WorkerMain() {}

    public static void main(String[] args) throws InterruptedException {
        WorkerSettings settings;
        try {
            settings = fromSystemProperties();
        } catch (IllegalArgumentException e) {
            System.err.println("twinview worker: " + e.getMessage());
            System.exit(2);
            return;
        }
        TaskWorker worker = TaskWorker.start(settings);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            worker.close();
                            stopped.countDown();
                        },
                        "worker-shutdown"));
        while (!stopped.await(1, TimeUnit.SECONDS)) {
            if (!worker.alive()) {
                System.exit(1); // the loop ended with an error (logged): let the supervisor see it
            }
        }
    }

    /** @throws IllegalArgumentException naming the property, the value and what is allowed */
    static WorkerSettings fromSystemProperties() {
        WorkerSettings settings = withoutRoots();
        String roots = System.getProperty(DatasetRoots.SETTING);
        return roots == null
                ? settings
                : settings.withDatasets(new DatasetPolicy(
                        DatasetRoots.of(
                                List.of(roots.split(",")), System.getProperty("twinview.storage.bucket", "twinview")),
                        DatasetLimits.DEFAULTS));
    }

    private static WorkerSettings withoutRoots() {
        int threads = integer("threads", 1);
        String workerId = System.getProperty(PREFIX + "worker-id", "").trim();
        return new WorkerSettings(
                kafka(System.getenv()),
                System.getProperty(PREFIX + "tasks-topic", Topics.DEFAULT_TASKS_TOPIC),
                integer("tasks-partitions", Topics.DEFAULT_TASKS_PARTITIONS),
                System.getProperty(PREFIX + "group-id", "twinview-augment"),
                workerId.isEmpty() ? TaskWorker.defaultWorkerId() : workerId,
                threads == 0 ? Runtime.getRuntime().availableProcessors() : threads,
                duration("retry-backoff", Duration.ofSeconds(2)),
                System.getProperty(PREFIX + "dead-letter-topic", Topics.DEFAULT_DEAD_LETTER_TOPIC),
                duration("session-timeout", WorkerSettings.DEFAULT_SESSION_TIMEOUT),
                WorkerSettings.objectStorage(
                        System.getProperty("twinview.storage.endpoint"),
                        System.getProperty("twinview.storage.access-key"),
                        System.getProperty("twinview.storage.secret-key"),
                        System.getProperty("twinview.storage.bucket", "twinview"),
                        System.getProperty("twinview.storage.region", StorageSettings.DEFAULT_REGION)));
    }

    /**
     * Clients with {@code kafka.bootstrap.servers} and every other {@code kafka.*} property, as the service has
     * them: from {@code KAFKA_*} environment variables ({@code KAFKA_SASL_JAAS_CONFIG} is
     * {@code sasl.jaas.config}: how a secret reaches the worker without a command line), then system properties,
     * which win.
     */
    static KafkaClients kafka(Map<String, String> environment) {
        Map<String, String> properties = new HashMap<>();
        environment.forEach((name, value) -> {
            if (name.startsWith(KAFKA_ENV_PREFIX) && name.length() > KAFKA_ENV_PREFIX.length()) {
                // Kafka's client keys are dotted lower-case words, so the mapping back is unambiguous
                properties.put(
                        name.substring(KAFKA_ENV_PREFIX.length())
                                .toLowerCase(Locale.ROOT)
                                .replace('_', '.'),
                        value);
            }
        });
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith(KAFKA_PREFIX)) {
                properties.put(name.substring(KAFKA_PREFIX.length()), System.getProperty(name));
            }
        }
        return new KafkaClients(properties.getOrDefault("bootstrap.servers", ""), properties);
    }

    private static int integer(String key, int fallback) {
        String value = System.getProperty(PREFIX + key);
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(PREFIX + key + " must be an integer, was '" + value + "'");
        }
    }

    /** {@code PT2S} or {@code 2s}, {@code 500ms}, {@code 1m}. */
    private static Duration duration(String key, Duration fallback) {
        String value = System.getProperty(PREFIX + key);
        if (value == null) {
            return fallback;
        }
        String v = value.trim().toLowerCase(java.util.Locale.ROOT);
        try {
            if (v.startsWith("pt")) {
                return Duration.parse(v);
            }
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            if (v.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
            }
            if (v.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
            }
        } catch (NumberFormatException | DateTimeParseException e) {
            // reported below
        }
        throw new IllegalArgumentException(
                PREFIX + key + " must be a duration such as 2s, 500ms, 1m or PT2S, was '" + value + "'");
    }
}
