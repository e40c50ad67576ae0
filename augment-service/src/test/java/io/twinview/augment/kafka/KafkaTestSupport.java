package io.twinview.augment.kafka;

import static org.junit.jupiter.api.Assertions.fail;

import io.twinview.core.augment.AugmentRecipes;
import io.twinview.core.kafka.KafkaClients;
import io.twinview.core.kafka.Topics;
import io.twinview.proto.AugmentSchema;
import io.twinview.proto.v1.AugmentRecipe;
import io.twinview.proto.v1.AugmentTask;
import io.twinview.proto.v1.ViewBatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;

/** Publishing tasks, reading views and committed offsets on the test broker. */
final class KafkaTestSupport implements AutoCloseable {

    static final AugmentRecipe SIMCLR =
            AugmentRecipes.resolve(AugmentRecipe.newBuilder().setName("simclr").build());
    private static final AtomicInteger NAMES = new AtomicInteger();

    private final KafkaClients clients;
    private final Admin admin;
    private final KafkaProducer<byte[], byte[]> producer;

    /** Clients made as the services make theirs: tasks published as the trainer does, views read as it reads them. */
    KafkaTestSupport(String bootstrapServers) {
        this.clients = KafkaClients.of(bootstrapServers);
        this.admin = clients.admin();
        this.producer = clients.producer("test-trainer");
    }

    /** A name no other test of this JVM uses: {@code prefix-<n>-<time>}. */
    static String unique(String prefix) {
        return prefix + "-" + NAMES.incrementAndGet() + "-" + Long.toString(System.currentTimeMillis(), 36);
    }

    Admin admin() {
        return admin;
    }

    /** Creates a run's views topic as the trainer does, with 2 partitions; returns its name. */
    String createViewsTopic(String runId) {
        NewTopic topic = Topics.viewsTopic(runId, 2, Duration.ofHours(1).toMillis(), 256L << 20);
        Topics.ensure(admin, topic);
        return topic.name();
    }

    /** A valid task: the synthetic dataset, simclr, 32 px, the given indices. */
    static AugmentTask.Builder task(String runId, long taskId, String datasetUri, long[] indices, int maxPerBatch) {
        return AugmentTask.newBuilder()
                .setSchemaVersion(AugmentSchema.VERSION)
                .setRunId(runId)
                .setEpoch(3)
                .setTaskId(taskId)
                .setDatasetUri(datasetUri)
                .addAllSampleIndices(LongStream.of(indices).boxed().toList())
                .setImageSize(32)
                .setRecipe(SIMCLR)
                .setSeed(0x5eed_1234_abcdL)
                .setViewsTopic(Topics.viewsTopic(runId))
                .setMaxSamplesPerBatch(maxPerBatch);
    }

    /** Sends a record to one partition (null: by key) and waits for its acknowledgement. */
    RecordMetadata publish(String topic, Integer partition, byte[] key, byte[] value) {
        try {
            return producer.send(new ProducerRecord<>(topic, partition, key, value))
                    .get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("the test could not publish to " + topic + ": " + e, e);
        }
    }

    /** Reads every record of a topic until {@code expected} arrived, then {@code quiet} longer to catch extras. */
    List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int expected, Duration timeout, Duration quiet) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = clients.viewsConsumer("test-views-reader")) {
            Topics.assignAllFromBeginning(consumer, topic, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + timeout.toNanos();
            while (records.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            long quietEnd = System.nanoTime() + quiet.toNanos();
            while (System.nanoTime() < quietEnd) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    static ViewBatch parse(ConsumerRecord<byte[], byte[]> record) {
        try {
            return ViewBatch.parseFrom(record.value());
        } catch (Exception e) {
            throw new AssertionError("every record on a views topic is a ViewBatch: " + e, e);
        }
    }

    /** The offset after a partition's last record. */
    long endOffset(TopicPartition partition) {
        try {
            return admin.listOffsets(Map.of(partition, org.apache.kafka.clients.admin.OffsetSpec.latest()))
                    .partitionResult(partition)
                    .get(30, TimeUnit.SECONDS)
                    .offset();
        } catch (Exception e) {
            throw new AssertionError("the test could not read the end of " + partition + ": " + e, e);
        }
    }

    /** The group's committed offset of a partition, or -1 when it has none. */
    long committed(String group, TopicPartition partition) {
        try {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS);
            OffsetAndMetadata offset = offsets.get(partition);
            return offset == null ? -1 : offset.offset();
        } catch (Exception e) {
            throw new AssertionError("the test could not read offsets of group " + group + ": " + e, e);
        }
    }

    /** Waits until the group has {@code members} members that together hold all {@code partitions} partitions, each some. */
    void awaitGroup(String group, int members, int partitions, Duration timeout) {
        await(members + " members of group " + group + " share all " + partitions + " partitions", timeout, () -> {
            ConsumerGroupDescription description;
            try {
                description = admin.describeConsumerGroups(List.of(group))
                        .all()
                        .get(30, TimeUnit.SECONDS)
                        .get(group);
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof GroupIdNotFoundException) {
                    return false; // no member has joined yet
                }
                throw new AssertionError("the test could not describe group " + group + ": " + e, e);
            } catch (Exception e) {
                throw new AssertionError("the test could not describe group " + group + ": " + e, e);
            }
            Collection<MemberDescription> current = description.members();
            return current.size() == members
                    && current.stream()
                            .allMatch(m -> !m.assignment().topicPartitions().isEmpty())
                    && current.stream()
                                    .mapToInt(m ->
                                            m.assignment().topicPartitions().size())
                                    .sum()
                            == partitions;
        });
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeout.toSeconds() + " s waiting until " + what);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting until " + what, e);
            }
        }
    }

    static <T> T awaitValue(String what, Duration timeout, Supplier<T> value, java.util.function.Predicate<T> done) {
        Object[] last = new Object[1];
        await(what, timeout, () -> {
            T v = value.get();
            last[0] = v;
            return done.test(v);
        });
        @SuppressWarnings("unchecked")
        T result = (T) last[0];
        return result;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
        admin.close(Duration.ofSeconds(5));
    }
}
