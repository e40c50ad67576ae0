package io.twinview.augment.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.core.data.DatasetPolicy;
import io.twinview.core.data.Datasets;
import io.twinview.core.data.ImageDataset;
import io.twinview.core.kafka.KafkaClients;
import io.twinview.core.kafka.Topics;
import io.twinview.core.retry.Waits;
import io.twinview.proto.v1.AugmentTask;
import io.twinview.stack.LocalStack;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker survives a broker stopped for longer than its clients' timeouts and its group session
 * (lowered here to seconds): the task it had in hand and the tasks after the outage are all
 * augmented and committed. Against a real broker the test stops and starts on the same port and data.
 */
class TaskWorkerOutageTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final Duration OUTAGE = Duration.ofSeconds(11); // outlasts the 6 s session by 5 s

    @Test
    void aWorkerWaitsOutABrokerOutageAndCompletesItsTasksAfterwards(@TempDir Path tmp) throws Exception {
        try (LocalStack stack = LocalStack.start(LocalStack.Options.in(tmp));
                KafkaTestSupport kafka = new KafkaTestSupport(stack.kafkaBootstrapServers())) {
            String tasksTopic = KafkaTestSupport.unique("outage.tasks");
            String group = KafkaTestSupport.unique("outage-group");
            KafkaClients clients = new KafkaClients(
                    stack.kafkaBootstrapServers(),
                    Map.of(
                            "delivery.timeout.ms", "4000",
                            "request.timeout.ms", "2000",
                            "max.block.ms", "3000",
                            "default.api.timeout.ms", "4000",
                            "reconnect.backoff.max.ms", "500"));
            WorkerSettings settings = new WorkerSettings(
                    clients,
                    tasksTopic,
                    2,
                    group,
                    KafkaTestSupport.unique("worker"),
                    1,
                    Duration.ofMillis(200),
                    Topics.DEFAULT_DEAD_LETTER_TOPIC,
                    Duration.ofSeconds(6), // the broker's smallest: the outage outlasts the session
                    null,
                    DatasetPolicy.OPEN);
            String runId = KafkaTestSupport.unique("outage");
            String viewsTopic = kafka.createViewsTopic(runId);
            try (TaskWorker worker = TaskWorker.start(settings, uri -> new SlowSamples(Datasets.open(uri)))) {
                KafkaTestSupport.await("the worker has subscribed", TIMEOUT, worker::subscribed);
                AugmentTask before = task(runId, 1, 0, 32);
                kafka.publish(tasksTopic, null, null, before.toByteArray());
                KafkaTestSupport.await(
                        "the first task is done",
                        TIMEOUT,
                        () -> worker.stats().snapshot().tasksCompleted() == 1);

                // 25 records at 20 ms a sample: the outage catches it in hand
                AugmentTask during = task(runId, 2, 32, 400);
                kafka.publish(tasksTopic, null, null, during.toByteArray());
                assertTrue(
                        kafka.readAll(viewsTopic, 2 + 1, TIMEOUT, Duration.ZERO).size() >= 3,
                        "the first record of the second task is out: the worker has it in hand");
                assertEquals(1, worker.stats().snapshot().tasksCompleted(), "and has not finished it");
                stack.stopBroker(true); // at once: a graceful stop takes long enough for the task to end
                long stopped = System.nanoTime();
                KafkaTestSupport.await(
                        "the worker says it waits for the broker (once the task is augmented and its records"
                                + " time out)",
                        Duration.ofSeconds(60),
                        () -> worker.waits().waiting(Waits.BROKER));
                Thread.sleep(Math.max(
                        0,
                        OUTAGE.toMillis()
                                - Duration.ofNanos(System.nanoTime() - stopped).toMillis()));
                assertTrue(worker.alive(), "the worker's loop outlives the outage");

                stack.startBroker();
                AugmentTask after = task(runId, 3, 432, 32);
                kafka.publish(tasksTopic, null, null, after.toByteArray());

                KafkaTestSupport.await(
                        "the task in hand during the outage and the one after it are done",
                        TIMEOUT,
                        () -> worker.stats().snapshot().tasksCompleted() >= 3);
                KafkaTestSupport.await(
                        "the worker no longer waits for the broker",
                        TIMEOUT,
                        () -> !worker.waits().waiting(Waits.BROKER));
                List<ConsumerRecord<byte[], byte[]>> records =
                        kafka.readAll(viewsTopic, 2 + 25 + 2, TIMEOUT, Duration.ofSeconds(2));
                ViewDedup views = new ViewDedup();
                records.forEach(record -> views.accept(KafkaTestSupport.parse(record)));
                for (AugmentTask task : List.of(before, during, after)) {
                    int expected = (task.getSampleIndicesCount() + task.getMaxSamplesPerBatch() - 1)
                            / task.getMaxSamplesPerBatch();
                    assertEquals(
                            expected,
                            views.sequencesOf(task.getTaskId()),
                            "every record of task " + task.getTaskId() + " reached the views topic (a record sent"
                                    + " twice is dropped by (task, sequence), as the trainer does)");
                }
                assertEquals(
                        LongStream.range(0, 464).boxed().collect(Collectors.toCollection(TreeSet::new)),
                        new TreeSet<>(views.samples()),
                        "every sample of the three tasks has its views");
                for (int p = 0; p < 2; p++) {
                    TopicPartition partition = new TopicPartition(tasksTopic, p);
                    long end = kafka.endOffset(partition);
                    KafkaTestSupport.awaitValue(
                            "partition " + p + " of the tasks topic is committed to its end",
                            TIMEOUT,
                            () -> kafka.committed(group, partition),
                            offset -> offset == end || (end == 0 && offset == -1));
                }
            }
        }
    }

    private static AugmentTask task(String runId, long taskId, long from, int count) {
        return KafkaTestSupport.task(
                        runId,
                        taskId,
                        "synthetic:?n=2000",
                        LongStream.range(from, from + count).toArray(),
                        16)
                .build();
    }

    /** A real dataset read at 20 ms a sample, as from a slow disk: a task takes long enough to be in hand. */
    private static final class SlowSamples extends ForwardingDataset {

        SlowSamples(ImageDataset images) {
            super(images);
        }

        @Override
        public void readImage(int index, byte[] dst, int offset) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            super.readImage(index, dst, offset);
        }
    }
}
