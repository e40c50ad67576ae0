package io.twinview.augment.kafka;

import java.time.Duration;
import java.util.Objects;

/**
 * What one {@link TaskWorker} needs, checked on construction.
 *
 * @param bootstrapServers Kafka, {@code host:port[,host:port...]}
 * @param tasksTopic       the shared AugmentTask topic
 * @param tasksPartitions  partitions of the tasks topic if this worker creates it, at least 1
 * @param groupId          consumer group of all augment workers
 * @param workerId         written into every ViewBatch; non-blank
 * @param threads          augmentation threads, at least 1
 * @param retryBackoff     wait before re-reading a task whose views could not be produced
 */
public record WorkerSettings(String bootstrapServers, String tasksTopic, int tasksPartitions, String groupId,
                             String workerId, int threads, Duration retryBackoff) {

    public WorkerSettings {
        requireText("bootstrapServers", bootstrapServers);
        requireText("tasksTopic", tasksTopic);
        requireText("groupId", groupId);
        requireText("workerId", workerId);
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
    }

    /** The same settings for another topic and group (tests, tools). */
    public WorkerSettings withTopicAndGroup(String topic, String group) {
        return new WorkerSettings(bootstrapServers, topic, tasksPartitions, group, workerId, threads, retryBackoff);
    }

    /** The same settings with another thread count. */
    public WorkerSettings withThreads(int count) {
        return new WorkerSettings(bootstrapServers, tasksTopic, tasksPartitions, groupId, workerId, count, retryBackoff);
    }

    private static void requireText(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " must not be blank, was '" + value + "'");
        }
    }
}
