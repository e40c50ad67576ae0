package io.twinview.core.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jboss.logging.Logger;

/**
 * The topics the services share, and their settings. Topics are created explicitly (brokers run
 * with auto-creation off) by whichever service needs one first; creation is idempotent.
 *
 * <p>Record sizes: a ViewBatch carries at most {@link #MAX_VIEW_BATCH_BYTES} of pixels (both
 * views); views topics accept records up to {@link #VIEWS_MAX_MESSAGE_BYTES}, four times that, so
 * protobuf framing and a larger image size never reach the limit.
 */
public final class Topics {

    public static final String DEFAULT_TASKS_TOPIC = "twinview.augment-tasks";
    public static final String DEFAULT_CHECKPOINTS_TOPIC = "twinview.checkpoints";
    /** RejectedSample records: samples workers could not read, shared by all runs. */
    public static final String DEFAULT_DEAD_LETTER_TOPIC = "twinview.augment-dead-letters";
    /**
     * Partitions of the tasks topic by default: the most workers of one group that get work (a
     * partition goes to one consumer of the group). Partitions are cheap; workers beyond this idle.
     */
    public static final int DEFAULT_TASKS_PARTITIONS = 32;
    /** Dead letters are kept 14 days, for someone to look at the bad files. */
    public static final long DEAD_LETTER_RETENTION_MS = 14L * 24 * 3600 * 1000;
    /** And at most 256 MiB (about a million ~200-byte records): a dataset of bad files cannot fill the disk. */
    public static final long DEAD_LETTER_RETENTION_BYTES = 256L << 20;
    /** Pixels (view1 + view2) per ViewBatch record, at most. */
    public static final int MAX_VIEW_BATCH_BYTES = 1 << 20;
    /** The views topic's max.message.bytes, and the producer's max.request.size. */
    public static final int VIEWS_MAX_MESSAGE_BYTES = 4 << 20;

    private static final Logger LOG = Logger.getLogger(Topics.class);

    private Topics() {}

    /**
     * Assigns every partition of {@code topic} to {@code consumer} and seeks each to its beginning.
     * A topic created a moment ago may not be in the broker's metadata yet, when the consumer sees
     * no partitions: this asks again until {@code timeout}, then fails naming the topic.
     *
     * @return the assigned partitions, in partition order
     */
    public static List<TopicPartition> assignAllFromBeginning(Consumer<?, ?> consumer, String topic, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
        while ((infos == null || infos.isEmpty()) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the partitions of topic " + topic, e);
            }
            infos = consumer.partitionsFor(topic, timeout);
        }
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException(
                    "topic " + topic + " has no partitions after " + timeout.toSeconds() + " s (was it created?)");
        }
        List<TopicPartition> partitions = infos.stream()
                .sorted(Comparator.comparingInt(PartitionInfo::partition))
                .map(info -> new TopicPartition(topic, info.partition()))
                .toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return partitions;
    }

    public static String viewsTopic(String runId) {
        return "twinview.views." + runId;
    }

    /** Most samples per ViewBatch so that both views stay within {@link #MAX_VIEW_BATCH_BYTES}. */
    public static int maxSamplesPerViewBatch(int imageSize) {
        return Math.max(1, MAX_VIEW_BATCH_BYTES / (2 * imageSize * imageSize * 3));
    }

    public static NewTopic tasksTopic(String name, int partitions) {
        return new NewTopic(name, partitions, (short) 1)
                .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, String.valueOf(7L * 24 * 3600 * 1000)));
    }

    /** The dead-letter topic: one partition (records are small and rare), bounded by time and bytes. */
    public static NewTopic deadLetterTopic(String name) {
        return new NewTopic(name, 1, (short) 1)
                .configs(Map.of(
                        TopicConfig.RETENTION_MS_CONFIG, String.valueOf(DEAD_LETTER_RETENTION_MS),
                        TopicConfig.RETENTION_BYTES_CONFIG, String.valueOf(DEAD_LETTER_RETENTION_BYTES)));
    }

    /**
     * Raises the partition count of an existing topic to at least {@code partitions} (Kafka can add
     * partitions, never remove them). For the tasks topic: a deployment that runs more workers than
     * an older default created partitions for would leave the extra workers idle.
     *
     * @return the partition count now
     * @throws IllegalStateException naming the topic when it cannot be described or grown
     */
    public static int ensurePartitions(Admin admin, String name, int partitions) {
        try {
            int current = partitionCount(admin, name);
            if (current >= partitions) {
                return current;
            }
            try {
                admin.createPartitions(Map.of(name, NewPartitions.increaseTo(partitions)))
                        .all()
                        .get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                // another worker may have raised it first; anything else is a real refusal
                if (!(e.getCause() instanceof InvalidPartitionsException) || partitionCount(admin, name) < partitions) {
                    throw e;
                }
                return partitionCount(admin, name);
            }
            LOG.infof("topic %s: %d partitions, raised to %d", name, current, partitions);
            return partitions;
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(
                    "cannot raise topic " + name + " to " + partitions + " partitions: " + reason(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while raising the partitions of " + name, e);
        }
    }

    private static int partitionCount(Admin admin, String name)
            throws ExecutionException, TimeoutException, InterruptedException {
        return admin.describeTopics(List.of(name))
                .allTopicNames()
                .get(30, TimeUnit.SECONDS)
                .get(name)
                .partitions()
                .size();
    }

    public static NewTopic checkpointsTopic(String name) {
        return new NewTopic(name, 1, (short) 1)
                .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, String.valueOf(30L * 24 * 3600 * 1000)));
    }

    /**
     * A run's views topic: bounded by retention (time and bytes per partition) so the broker's disk
     * cannot fill with views of old runs.
     */
    public static NewTopic viewsTopic(String runId, int partitions, long retentionMs, long retentionBytesPerPartition) {
        return new NewTopic(viewsTopic(runId), partitions, (short) 1)
                .configs(Map.of(
                        TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(VIEWS_MAX_MESSAGE_BYTES),
                        TopicConfig.RETENTION_MS_CONFIG, String.valueOf(retentionMs),
                        TopicConfig.RETENTION_BYTES_CONFIG, String.valueOf(retentionBytesPerPartition)));
    }

    /**
     * Creates the topics that do not exist yet; existing ones are left as they are.
     *
     * @throws IllegalStateException naming the topics when the broker cannot be reached or refuses
     */
    public static void ensure(Admin admin, NewTopic... topics) {
        try {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (NewTopic topic : topics) {
                if (!existing.contains(topic.name())) {
                    missing.add(topic);
                }
            }
            if (missing.isEmpty()) {
                return;
            }
            for (Map.Entry<String, org.apache.kafka.common.KafkaFuture<Void>> result :
                    admin.createTopics(missing).values().entrySet()) {
                try {
                    result.getValue().get(30, TimeUnit.SECONDS);
                    LOG.infof("created topic %s", result.getKey());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create topics " + names(topics) + ": " + reason(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics " + names(topics), e);
        }
    }

    /** An ACL or a login the broker refused, said so; else the error's own message. */
    private static String reason(Exception e) {
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        return KafkaErrors.security(cause, "this client").orElse(cause.toString());
    }

    private static List<String> names(NewTopic... topics) {
        List<String> names = new ArrayList<>();
        for (NewTopic topic : topics) {
            names.add(topic.name());
        }
        return names;
    }
}
