package io.twinview.augment.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * Settings of augment-service ({@code twinview.augment.*}). The broker comes from
 * {@code kafka.bootstrap.servers}. Values are checked when the worker starts; a bad one stops
 * startup with a message naming the key, the value and what is allowed.
 */
@ConfigMapping(prefix = "twinview.augment")
public interface AugmentConfig {

    /** Shared topic of AugmentTasks. Default {@code twinview.augment-tasks}. */
    @WithDefault("twinview.augment-tasks")
    String tasksTopic();

    /**
     * Partitions of the tasks topic: at least as many as the most workers this deployment runs in
     * one group, since a partition goes to one worker and workers beyond the partition count idle.
     * The worker creates the topic with this many (it may start before the trainer) and raises an
     * existing topic that has fewer. Default 32, as the trainer's.
     */
    @WithDefault("32")
    int tasksPartitions();

    /** Topic of RejectedSample records (samples whose image cannot be read). Default {@code twinview.augment-dead-letters}. */
    @WithDefault("twinview.augment-dead-letters")
    String deadLetterTopic();

    /**
     * How long the group waits for a silent (killed, hung) worker before its tasks go to the others:
     * Kafka's session.timeout.ms, within the broker's group.min/max.session.timeout.ms (6 s .. 30 min
     * by default). Default 45 s, Kafka's.
     */
    @WithDefault("45s")
    Duration sessionTimeout();

    /** Consumer group shared by all augment workers: each task goes to one of them. Default {@code twinview-augment}. */
    @WithDefault("twinview-augment")
    String groupId();

    /** Name written into every ViewBatch and the Kafka client ids. Default: {@code <hostname>-<pid>}, used when absent or blank. */
    Optional<String> workerId();

    /** Augmentation threads of this worker; 0 = the number of available processors. Default 0. */
    @WithDefault("0")
    int threads();

    /**
     * Wait before re-reading a task whose views could not be produced (a broker away, a refused
     * record); it doubles with each failure in a row, up to 10 s, so a long broker outage is waited
     * out without giving up. Default 2 s.
     */
    @WithDefault("2s")
    Duration retryBackoff();
}
