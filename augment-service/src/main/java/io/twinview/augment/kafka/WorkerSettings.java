package io.twinview.augment.kafka;

import io.twinview.core.data.DatasetPolicy;
import io.twinview.core.kafka.KafkaClients;
import io.twinview.core.kafka.Topics;
import io.twinview.core.storage.StorageSettings;
import java.time.Duration;
import java.util.Objects;

/**
 * What one {@link TaskWorker} needs, checked on construction.
 *
 * @param kafka            the factory of the worker's Kafka clients: bootstrap servers and common client properties
 * @param tasksTopic       the shared AugmentTask topic
 * @param tasksPartitions  partitions of the tasks topic, at least 1: created with this many, or raised
 *                         to it when it has fewer (the most workers of the group that get work)
 * @param groupId          consumer group of all augment workers
 * @param workerId         written into every ViewBatch; non-blank
 * @param threads          augmentation threads, at least 1
 * @param retryBackoff     wait before re-reading a task whose views could not be produced
 * @param deadLetterTopic  where RejectedSample records of unreadable samples go
 * @param sessionTimeout   how long the group waits for a silent worker before its tasks go to the
 *                         others (Kafka's session.timeout.ms; the broker allows 6 s .. 5 min by default)
 * @param storage          the object storage that {@code SCHEME:s3://BUCKET/PREFIX} datasets are read from
 *                         (endpoint, credentials, region; the bucket is each URI's own), or null when this
 *                         worker has none: it then skips tasks of s3:// datasets
 * @param datasets         the roots every task's dataset URI must lie in, and the dataset size limits
 *                         ({@code twinview.datasets.*})
 */
public record WorkerSettings(
        KafkaClients kafka,
        String tasksTopic,
        int tasksPartitions,
        String groupId,
        String workerId,
        int threads,
        Duration retryBackoff,
        String deadLetterTopic,
        Duration sessionTimeout,
        StorageSettings storage,
        DatasetPolicy datasets) {

    /** Kafka's default session.timeout.ms. */
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(45);

    public WorkerSettings {
        Objects.requireNonNull(kafka, "kafka");
        requireText("tasksTopic", tasksTopic);
        requireText("groupId", groupId);
        requireText("workerId", workerId);
        requireText("deadLetterTopic", deadLetterTopic);
        if (tasksPartitions < 1) {
            throw new IllegalArgumentException("tasksPartitions must be at least 1, was " + tasksPartitions);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, was " + threads);
        }
        Objects.requireNonNull(retryBackoff, "retryBackoff");
        if (retryBackoff.isNegative()) {
            throw new IllegalArgumentException("retryBackoff must not be negative, was " + retryBackoff);
        }
        Objects.requireNonNull(datasets, "datasets");
        Objects.requireNonNull(sessionTimeout, "sessionTimeout");
        if (sessionTimeout.compareTo(Duration.ofSeconds(1)) < 0
                || sessionTimeout.compareTo(Duration.ofMinutes(30)) > 0) {
            throw new IllegalArgumentException("sessionTimeout must be 1 s .. 30 min (and within the broker's "
                    + "group.min/max.session.timeout.ms), was " + sessionTimeout);
        }
    }

    /**
     * Kafka clients with no property but the bootstrap servers, the default dead-letter topic, Kafka's
     * default session timeout and no object storage.
     */
    public WorkerSettings(
            String bootstrapServers,
            String tasksTopic,
            int tasksPartitions,
            String groupId,
            String workerId,
            int threads,
            Duration retryBackoff) {
        this(
                KafkaClients.of(bootstrapServers),
                tasksTopic,
                tasksPartitions,
                groupId,
                workerId,
                threads,
                retryBackoff,
                Topics.DEFAULT_DEAD_LETTER_TOPIC,
                DEFAULT_SESSION_TIMEOUT,
                null,
                DatasetPolicy.OPEN);
    }

    /**
     * Settings whose tasks may name any dataset (tests, tools): {@link DatasetPolicy#OPEN}. The service
     * and {@link WorkerMain} pass {@code twinview.datasets.*} instead.
     */
    public WorkerSettings(
            KafkaClients kafka,
            String tasksTopic,
            int tasksPartitions,
            String groupId,
            String workerId,
            int threads,
            Duration retryBackoff,
            String deadLetterTopic,
            Duration sessionTimeout,
            StorageSettings storage) {
        this(
                kafka,
                tasksTopic,
                tasksPartitions,
                groupId,
                workerId,
                threads,
                retryBackoff,
                deadLetterTopic,
                sessionTimeout,
                storage,
                DatasetPolicy.OPEN);
    }

    /** The same settings with other dataset roots and limits. */
    public WorkerSettings withDatasets(DatasetPolicy policy) {
        return new WorkerSettings(
                kafka,
                tasksTopic,
                tasksPartitions,
                groupId,
                workerId,
                threads,
                retryBackoff,
                deadLetterTopic,
                sessionTimeout,
                storage,
                policy);
    }

    /** The same settings for another topic and group (tests, tools). */
    public WorkerSettings withTopicAndGroup(String topic, String group) {
        return new WorkerSettings(
                kafka,
                topic,
                tasksPartitions,
                group,
                workerId,
                threads,
                retryBackoff,
                deadLetterTopic,
                sessionTimeout,
                storage,
                datasets);
    }

    /** The same settings with another thread count. */
    public WorkerSettings withThreads(int count) {
        return new WorkerSettings(
                kafka,
                tasksTopic,
                tasksPartitions,
                groupId,
                workerId,
                count,
                retryBackoff,
                deadLetterTopic,
                sessionTimeout,
                storage,
                datasets);
    }

    /** The same settings with another dead-letter topic. */
    public WorkerSettings withDeadLetterTopic(String topic) {
        return new WorkerSettings(
                kafka,
                tasksTopic,
                tasksPartitions,
                groupId,
                workerId,
                threads,
                retryBackoff,
                topic,
                sessionTimeout,
                storage,
                datasets);
    }

    /** The same settings with another session timeout. */
    public WorkerSettings withSessionTimeout(Duration timeout) {
        return new WorkerSettings(
                kafka,
                tasksTopic,
                tasksPartitions,
                groupId,
                workerId,
                threads,
                retryBackoff,
                deadLetterTopic,
                timeout,
                storage,
                datasets);
    }

    /** The same settings with object storage for s3:// datasets (null: none). */
    public WorkerSettings withStorage(StorageSettings objectStorage) {
        return new WorkerSettings(
                kafka,
                tasksTopic,
                tasksPartitions,
                groupId,
                workerId,
                threads,
                retryBackoff,
                deadLetterTopic,
                sessionTimeout,
                objectStorage,
                datasets);
    }

    /**
     * Object storage from the {@code twinview.storage.*} keys the other services use, or null when no
     * endpoint is set (s3:// datasets are then skipped). The bucket is each dataset URI's own.
     *
     * @param endpoint  {@code twinview.storage.endpoint}, null or blank for none
     * @param accessKey {@code twinview.storage.access-key}, required with an endpoint
     * @param secretKey {@code twinview.storage.secret-key}, required with an endpoint
     * @param bucket    {@code twinview.storage.bucket}: kept for a valid StorageSettings, unused by datasets
     * @param region    {@code twinview.storage.region}, non-blank
     * @throws IllegalArgumentException naming the key, the value and what is allowed
     */
    public static StorageSettings objectStorage(
            String endpoint, String accessKey, String secretKey, String bucket, String region) {
        if (endpoint == null || endpoint.isBlank()) {
            return null;
        }
        String url = endpoint.strip();
        if (accessKey == null || accessKey.isBlank()) {
            throw new IllegalArgumentException(
                    "twinview.storage.access-key must be set with twinview.storage.endpoint (" + url + ")");
        }
        if (secretKey == null || secretKey.isBlank()) {
            throw new IllegalArgumentException(
                    "twinview.storage.secret-key must be set with twinview.storage.endpoint (" + url + ")");
        }
        if (region == null || region.isBlank()) {
            throw new IllegalArgumentException(
                    "twinview.storage.region must not be blank (us-east-1 for S3Proxy and MinIO)");
        }
        try {
            return new StorageSettings(
                    url, accessKey.strip(), secretKey, bucket == null ? "" : bucket.strip(), region.strip());
        } catch (IllegalArgumentException e) { // messages start with the field: endpoint or bucket
            throw new IllegalArgumentException("twinview.storage." + e.getMessage(), e);
        }
    }

    private static void requireText(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " must not be blank, was '" + value + "'");
        }
    }
}
