package io.twinview.augment.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.twinview.augment.config.AugmentConfig;
import io.twinview.augment.service.AugmentWorkerService;
import io.twinview.proto.v1.AugmentTask;
import io.twinview.stack.LocalStack;
import io.twinview.stack.quarkus.LocalStackTestResource;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real application: its worker, started by Quarkus with the configured topic and group,
 * against the JVM's shared Kafka broker.
 */
@QuarkusTest
@QuarkusTestResource(LocalStackTestResource.class)
class TaskWorkerQuarkusTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Inject
    AugmentWorkerService service;

    @Inject
    AugmentConfig config;

    private KafkaTestSupport kafka;

    @BeforeEach
    void connect() {
        kafka = new KafkaTestSupport(LocalStack.shared().kafkaBootstrapServers());
        KafkaTestSupport.await("the worker has subscribed to the tasks topic", TIMEOUT, () -> worker().subscribed());
    }

    @AfterEach
    void disconnect() {
        kafka.close();
    }

    private TaskWorker worker() {
        return service.worker().orElseThrow(() -> new AssertionError("the application starts a worker"));
    }

    @Test
    void producesEveryViewBatchOfATaskAndCommitsItsOffset() {
        String runId = KafkaTestSupport.unique("quarkus-run");
        String viewsTopic = kafka.createViewsTopic(runId);
        List<Long> order = new ArrayList<>(LongStream.range(0, 300).boxed().toList());
        Collections.shuffle(order, new Random(11));
        AugmentTask task = KafkaTestSupport.task(
                        runId,
                        41,
                        "synthetic:?n=300",
                        order.stream().mapToLong(Long::longValue).toArray(),
                        64)
                .build();
        long completedBefore = worker().stats().snapshot().tasksCompleted();

        RecordMetadata sent = kafka.publish(config.tasksTopic(), null, key(task), task.toByteArray());

        List<ConsumerRecord<byte[], byte[]>> records = kafka.readAll(viewsTopic, 5, TIMEOUT, Duration.ofSeconds(1));
        ViewAssertions.assertViewsOf(task, records, worker().settings().workerId());
        TopicPartition partition = new TopicPartition(sent.topic(), sent.partition());
        long committed = KafkaTestSupport.awaitValue(
                "the task's offset is committed",
                TIMEOUT,
                () -> kafka.committed(config.groupId(), partition),
                offset -> offset >= sent.offset() + 1);
        assertEquals(sent.offset() + 1, committed, "the group's committed offset is just past the task");
        assertEquals(completedBefore + 1, worker().stats().snapshot().tasksCompleted(), "the task counts as completed");
    }

    @Test
    void garbageAndInvalidTasksAreSkippedAndTheNextGoodTaskIsDone() {
        String runId = KafkaTestSupport.unique("quarkus-skip");
        String viewsTopic = kafka.createViewsTopic(runId);
        long[] indices = LongStream.range(0, 40).toArray();
        AugmentTask good =
                KafkaTestSupport.task(runId, 7, "synthetic:?n=300", indices, 16).build();
        List<byte[]> bad = List.of(
                new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01, 0x02},
                good.toBuilder().setImageSize(4).build().toByteArray(),
                good.toBuilder().setSchemaVersion(2).build().toByteArray(),
                good.toBuilder().setMaxSamplesPerBatch(0).build().toByteArray(),
                good.toBuilder().clearViewsTopic().build().toByteArray(),
                good.toBuilder().setSampleIndices(3, 300).build().toByteArray());
        long skippedBefore = worker().stats().snapshot().tasksSkipped();

        int partition = 5; // all on one partition: the good task is read only after the bad ones
        for (byte[] value : bad) {
            kafka.publish(config.tasksTopic(), partition, key(good), value);
        }
        RecordMetadata sent = kafka.publish(config.tasksTopic(), partition, key(good), good.toByteArray());

        List<ConsumerRecord<byte[], byte[]>> records = kafka.readAll(viewsTopic, 3, TIMEOUT, Duration.ofSeconds(1));
        ViewAssertions.assertViewsOf(good, records, worker().settings().workerId());
        assertEquals(
                skippedBefore + bad.size(),
                worker().stats().snapshot().tasksSkipped(),
                "each garbage or invalid record is counted as skipped once");
        KafkaTestSupport.awaitValue(
                "the good task's offset is committed",
                TIMEOUT,
                () -> kafka.committed(config.groupId(), new TopicPartition(sent.topic(), partition)),
                offset -> offset == sent.offset() + 1);
    }

    @Test
    void aTaskWhoseDatasetCannotBeReadIsSkippedWithItsReasonLogged() {
        String runId = KafkaTestSupport.unique("quarkus-nodata");
        kafka.createViewsTopic(runId);
        String uri = "cifar10:/nonexistent/twinview-test-" + runId;
        AugmentTask task =
                KafkaTestSupport.task(runId, 3, uri, new long[] {0, 1, 2}, 2).build();
        long skippedBefore = worker().stats().snapshot().tasksSkipped();
        List<String> warnings = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getParameters() != null && record.getParameters().length > 0) {
                    warnings.add(String.format(record.getMessage(), record.getParameters()));
                } else {
                    warnings.add(record.getMessage());
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger logger = Logger.getLogger(TaskWorker.class.getName());
        logger.addHandler(capture);
        try {
            RecordMetadata sent = kafka.publish(config.tasksTopic(), null, key(task), task.toByteArray());

            KafkaTestSupport.await(
                    "the task is counted as skipped",
                    TIMEOUT,
                    () -> worker().stats().snapshot().tasksSkipped() == skippedBefore + 1);
            String where = sent.topic() + "-" + sent.partition() + "@" + sent.offset();
            String lastSkip = worker().stats().snapshot().lastSkip();
            assertTrue(
                    lastSkip.startsWith(where) && lastSkip.contains(uri),
                    "the skip names the record's place and the dataset URI: " + lastSkip);
            assertTrue(
                    warnings.stream().anyMatch(w -> w.contains(where) && w.contains(uri) && w.contains("dataset")),
                    "a warning names the record's topic, partition, offset and the dataset problem: " + warnings);
            KafkaTestSupport.awaitValue(
                    "the skipped task's offset is committed",
                    TIMEOUT,
                    () -> kafka.committed(config.groupId(), new TopicPartition(sent.topic(), sent.partition())),
                    offset -> offset >= sent.offset() + 1);
        } finally {
            logger.removeHandler(capture);
        }
    }

    /**
     * Issue 12, acceptance 4: a forged task cannot make the worker read outside its dataset roots (the
     * test profile's: the temporary folder and s3://twinview-test), nor write views into another run,
     * nor open an oversized dataset. Each is skipped with a reason naming the URI and what is allowed,
     * and the worker does the next good task.
     */
    @Test
    void forgedTasksOutsideTheRootsOrIntoAnotherRunAreSkippedAndTheWorkerGoesOn() throws Exception {
        String runId = KafkaTestSupport.unique("quarkus-forged");
        String viewsTopic = kafka.createViewsTopic(runId);
        String victim = KafkaTestSupport.unique("quarkus-victim");
        String victimTopic = kafka.createViewsTopic(victim);
        Path root =
                Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().normalize();
        Path link =
                root.resolve("twinview-worker-escape-" + ProcessHandle.current().pid());
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, Path.of("/etc"));
        long[] indices = LongStream.range(0, 8).toArray();
        AugmentTask good =
                KafkaTestSupport.task(runId, 7, "synthetic:?n=300", indices, 8).build();
        List<String> outside = List.of(
                "imagefolder:/etc",
                "cifar10:/root",
                "imagefolder:" + root + "/../..",
                "imagefolder:" + link,
                "cifar10:s3://twinview-test/runs/some-run/checkpoints");
        List<AugmentTask> forged = new ArrayList<>();
        outside.forEach(uri -> forged.add(good.toBuilder().setDatasetUri(uri).build()));
        forged.add(good.toBuilder().setViewsTopic(victimTopic).build());
        forged.add(good.toBuilder().setDatasetUri("synthetic:?n=2000000000").build());
        List<String> warnings = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                Object[] p = record.getParameters();
                warnings.add(p != null && p.length > 0 ? String.format(record.getMessage(), p) : record.getMessage());
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger logger = Logger.getLogger(TaskWorker.class.getName());
        logger.addHandler(capture);
        long skippedBefore = worker().stats().snapshot().tasksSkipped();
        try {
            int partition = 3; // one partition: the good task is read after the forged ones
            for (AugmentTask task : forged) {
                kafka.publish(config.tasksTopic(), partition, key(task), task.toByteArray());
            }
            kafka.publish(config.tasksTopic(), partition, key(good), good.toByteArray());

            List<ConsumerRecord<byte[], byte[]>> records = kafka.readAll(viewsTopic, 1, TIMEOUT, Duration.ofSeconds(1));
            ViewAssertions.assertViewsOf(good, records, worker().settings().workerId());
            assertEquals(
                    skippedBefore + forged.size(),
                    worker().stats().snapshot().tasksSkipped(),
                    "every forged task is skipped, once");
            for (String uri : outside) {
                assertTrue(
                        warnings.stream()
                                .anyMatch(w -> w.contains("dataset URI '" + uri + "' is not allowed")
                                        && w.contains("allowed roots: " + root + ", s3://twinview-test")),
                        "the skip of " + uri + " names it and the allowed roots: " + warnings);
            }
            assertTrue(
                    warnings.stream()
                            .anyMatch(w -> w.contains("views_topic '" + victimTopic + "' is not the views topic of run "
                                    + runId + "; allowed: '" + viewsTopic + "'")),
                    "the skip names the forged topic and the run's own: " + warnings);
            assertTrue(
                    warnings.stream()
                            .anyMatch(w -> w.contains("n='2000000000' is not allowed; allowed: an integer in"
                                    + " 1..1000000 (twinview.datasets.max-images)")),
                    "the oversized dataset is refused naming the parameter and range: " + warnings);
            assertTrue(
                    kafka.readAll(victimTopic, 0, Duration.ofSeconds(2), Duration.ofSeconds(1))
                            .isEmpty(),
                    "nothing reaches the other run's views topic");
            assertTrue(worker().alive(), "the worker keeps running");
        } finally {
            logger.removeHandler(capture);
            Files.delete(link);
        }
    }

    private static byte[] key(AugmentTask task) {
        return (task.getRunId() + "/" + task.getTaskId()).getBytes(StandardCharsets.UTF_8);
    }
}
