package io.twinview.trainer.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.core.checkpoint.CheckpointStore;
import io.twinview.core.kafka.KafkaClients;
import io.twinview.core.kafka.Topics;
import io.twinview.core.retry.Backoff;
import io.twinview.core.retry.Waits;
import io.twinview.core.storage.ObjectStore;
import io.twinview.core.storage.StorageSettings;
import io.twinview.proto.v1.AugmentTask;
import io.twinview.proto.v1.CheckpointEvent;
import io.twinview.stack.LocalStack;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer's task and checkpoint-event publication waits out a broker stopped for longer than
 * the producer's own timeouts (lowered here to seconds, as a deployment's minutes), against a real
 * broker that the test stops and starts again on the same port and data.
 */
class KafkaSinksOutageTest {

    private static final String TASKS = "sinks-outage.tasks";
    private static final String CHECKPOINTS = "sinks-outage.checkpoints";
    private static final Duration OUTAGE = Duration.ofSeconds(9); // twice the longest producer timeout

    @Test
    void tasksAndCheckpointEventsPublishedDuringABrokerOutageArriveAfterIt(@TempDir Path tmp) throws Exception {
        try (LocalStack stack = LocalStack.start(LocalStack.Options.in(tmp))) {
            // every producer timeout well below the outage: without the sinks' retry the sends would fail
            KafkaClients kafka = new KafkaClients(
                    stack.kafkaBootstrapServers(),
                    Map.of(
                            "delivery.timeout.ms", "4000",
                            "request.timeout.ms", "2000",
                            "max.block.ms", "3000",
                            "reconnect.backoff.max.ms", "500"));
            try (Admin admin = kafka.admin()) {
                Topics.ensure(admin, Topics.tasksTopic(TASKS, 2), Topics.checkpointsTopic(CHECKPOINTS));
            }
            Waits waits = new Waits();
            Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofMinutes(2));
            try (KafkaProducer<byte[], byte[]> producer = kafka.producer("sinks-outage");
                    ObjectStore objects = new ObjectStore(StorageSettings.of(
                            stack.s3Endpoint(), stack.s3AccessKey(), stack.s3SecretKey(), "sinks-outage"))) {
                KafkaTaskSink tasks = new KafkaTaskSink(producer, TASKS, backoff, waits);
                KafkaCheckpointSink checkpoints =
                        new KafkaCheckpointSink(new CheckpointStore(objects), producer, CHECKPOINTS, backoff, waits);
                tasks.publish(tasks(0, 1)); // the producer knows the topics' leaders before the outage

                stack.stopBroker(false);
                long stopped = System.nanoTime();
                CompletableFuture<Void> published = CompletableFuture.runAsync(() -> tasks.publish(tasks(1, 11)));
                CompletableFuture<Void> announced =
                        CompletableFuture.runAsync(() -> checkpoints.announce(CheckpointEvent.newBuilder()
                                .setRunId("r")
                                .setStep(7)
                                .setManifestKey("runs/r/checkpoints/0000000007/manifest.json")
                                .build()));
                long waitingDeadline = stopped + TimeUnit.SECONDS.toNanos(12);
                while (!waits.waiting(Waits.BROKER) && System.nanoTime() < waitingDeadline) {
                    Thread.sleep(100);
                }
                assertTrue(
                        waits.waiting(Waits.BROKER),
                        "once the producer's delivery timeout has passed, the process says it waits for the broker");
                Thread.sleep(Math.max(
                        0,
                        OUTAGE.toMillis()
                                - Duration.ofNanos(System.nanoTime() - stopped).toMillis()));
                assertFalse(
                        published.isDone(), "publishing tasks waits for the broker, it does not fail: " + published);
                assertFalse(announced.isDone(), "so does announcing a checkpoint: " + announced);

                stack.startBroker();
                published.get(60, TimeUnit.SECONDS);
                announced.get(60, TimeUnit.SECONDS);
                assertFalse(waits.waiting(Waits.BROKER), "the wait ends when the broker acknowledges");
            }

            List<ConsumerRecord<byte[], byte[]>> taskRecords = readAll(kafka, TASKS, 2);
            Set<Long> taskIds = new TreeSet<>();
            for (ConsumerRecord<byte[], byte[]> record : taskRecords) {
                taskIds.add(AugmentTask.parseFrom(record.value()).getTaskId());
            }
            assertEquals(
                    LongStream.range(0, 11).boxed().collect(Collectors.toCollection(TreeSet::new)),
                    taskIds,
                    "every task reached the tasks topic (a task sent twice is harmless: workers' views are"
                            + " idempotent per task and sequence)");
            List<ConsumerRecord<byte[], byte[]>> events = readAll(kafka, CHECKPOINTS, 1);
            assertTrue(
                    events.stream().anyMatch(record -> parse(record).getStep() == 7),
                    "the checkpoint event reached the checkpoints topic");
        }
    }

    private static List<AugmentTask> tasks(long from, long to) {
        List<AugmentTask> tasks = new ArrayList<>();
        for (long id = from; id < to; id++) {
            tasks.add(AugmentTask.newBuilder()
                    .setRunId("r")
                    .setTaskId(id)
                    .setViewsTopic("views")
                    .build());
        }
        return tasks;
    }

    private static CheckpointEvent parse(ConsumerRecord<byte[], byte[]> record) {
        try {
            return CheckpointEvent.parseFrom(record.value());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError("not a CheckpointEvent", e);
        }
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(KafkaClients kafka, String topic, int partitions) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = kafka.viewsConsumer("sinks-outage-reader")) {
            List<TopicPartition> all = new ArrayList<>();
            for (int p = 0; p < partitions; p++) {
                all.add(new TopicPartition(topic, p));
            }
            consumer.assign(all);
            consumer.seekToBeginning(all);
            Map<TopicPartition, Long> ends = consumer.endOffsets(all, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (all.stream().anyMatch(tp -> consumer.position(tp) < ends.get(tp)) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
            }
        }
        return records;
    }
}
