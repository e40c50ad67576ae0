package io.twinview.augment.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.core.data.Datasets;
import io.twinview.core.data.ImageDataset;
import io.twinview.core.data.TestImages;
import io.twinview.core.kafka.Topics;
import io.twinview.proto.AugmentSchema;
import io.twinview.proto.v1.AugmentTask;
import io.twinview.proto.v1.RejectedSample;
import io.twinview.proto.v1.ViewBatch;
import io.twinview.stack.LocalStack;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link TaskWorker} built directly, each test with its own tasks topic and group on the shared broker. */
class TaskWorkerTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private KafkaTestSupport kafka;
    private final List<TaskWorker> workers = new ArrayList<>();
    private String tasksTopic;
    private String group;

    @BeforeEach
    void setUp() {
        kafka = new KafkaTestSupport(LocalStack.shared().kafkaBootstrapServers());
        tasksTopic = KafkaTestSupport.unique("test.tasks");
        group = KafkaTestSupport.unique("test-group");
    }

    @AfterEach
    void tearDown() {
        workers.forEach(TaskWorker::close);
        for (TaskWorker worker : workers) {
            assertNoThreadsOf(worker);
        }
        kafka.close();
    }

    private TaskWorker start(int threads, Duration backoff) {
        WorkerSettings settings = new WorkerSettings(
                LocalStack.shared().kafkaBootstrapServers(),
                tasksTopic,
                3,
                group,
                KafkaTestSupport.unique("worker"),
                threads,
                backoff);
        TaskWorker worker = TaskWorker.start(settings);
        workers.add(worker);
        KafkaTestSupport.await("worker " + settings.workerId() + " has subscribed", TIMEOUT, worker::subscribed);
        return worker;
    }

    @Test
    void anyThreadCountProducesTheSamePixels() {
        for (int threads : new int[] {1, 3}) {
            String runId = KafkaTestSupport.unique("threads-" + threads);
            String viewsTopic = kafka.createViewsTopic(runId);
            long[] indices = LongStream.range(0, 300).map(i -> (i * 7919) % 300).toArray(); // a permutation of 0..299
            AugmentTask task = KafkaTestSupport.task(runId, 12, "synthetic:?n=300", indices, 100)
                    .build();
            TaskWorker worker = start(threads, Duration.ofMillis(500));

            RecordMetadata sent = kafka.publish(tasksTopic, null, null, task.toByteArray());

            List<ConsumerRecord<byte[], byte[]>> records =
                    kafka.readAll(viewsTopic, 3, TIMEOUT, Duration.ofMillis(500));
            ViewAssertions.assertViewsOf(task, records, worker.settings().workerId());
            KafkaTestSupport.awaitValue(
                    "the task's offset is committed",
                    TIMEOUT,
                    () -> kafka.committed(group, new TopicPartition(tasksTopic, sent.partition())),
                    offset -> offset == sent.offset() + 1);
            worker.close();
            assertNoThreadsOf(worker);
            group = KafkaTestSupport.unique("test-group"); // the next worker reads the topic afresh
        }
    }

    @Test
    void aTaskWhoseViewsAreRefusedStaysUncommittedAndIsRedoneByTheNextWorkerOfTheGroup() throws Exception {
        String runId = KafkaTestSupport.unique("refused");
        String viewsTopic = kafka.createViewsTopic(runId);
        setMaxMessageBytes(viewsTopic, 10_000); // each record of 16 samples is ~98 KB: the broker refuses them
        AugmentTask task = KafkaTestSupport.task(
                        runId, 5, "synthetic:?n=300", LongStream.range(100, 164).toArray(), 16)
                .build();
        TaskWorker first = start(2, Duration.ofMillis(300));

        RecordMetadata sent = kafka.publish(tasksTopic, null, null, task.toByteArray());

        KafkaTestSupport.await(
                "the first worker has tried the task three times",
                TIMEOUT,
                () -> first.stats().snapshot().produceFailures() >= 3);
        TopicPartition partition = new TopicPartition(tasksTopic, sent.partition());
        assertEquals(-1, kafka.committed(group, partition), "a task whose views were refused is not committed");
        assertEquals(0, first.stats().snapshot().tasksCompleted(), "nor counted as completed");
        assertEquals(0, first.stats().snapshot().tasksSkipped(), "nor skipped: it is read again");
        first.close();

        setMaxMessageBytes(viewsTopic, Topics.VIEWS_MAX_MESSAGE_BYTES);
        TaskWorker second = start(2, Duration.ofMillis(300));

        List<ConsumerRecord<byte[], byte[]>> records = kafka.readAll(viewsTopic, 4, TIMEOUT, Duration.ofMillis(500));
        ViewAssertions.assertViewsOf(task, records, second.settings().workerId());
        KafkaTestSupport.awaitValue(
                "the redone task's offset is committed",
                TIMEOUT,
                () -> kafka.committed(group, partition),
                offset -> offset == sent.offset() + 1);
        assertEquals(1, second.stats().snapshot().tasksCompleted(), "the second worker completed the task");
    }

    @Test
    void aTaskForAViewsTopicThatDoesNotExistIsSkipped() {
        String runId = KafkaTestSupport.unique("no-views-topic");
        AugmentTask missing = KafkaTestSupport.task(runId, 1, "synthetic:?n=300", new long[] {1, 2, 3}, 2)
                .build();
        String goodRun = KafkaTestSupport.unique("after-missing");
        String goodTopic = kafka.createViewsTopic(goodRun);
        AugmentTask good = KafkaTestSupport.task(goodRun, 2, "synthetic:?n=300", new long[] {4, 5, 6}, 2)
                .build();
        TaskWorker worker = start(1, Duration.ofMillis(300));

        kafka.publish(tasksTopic, 0, null, missing.toByteArray());
        RecordMetadata sent = kafka.publish(tasksTopic, 0, null, good.toByteArray());

        ViewAssertions.assertViewsOf(
                good,
                kafka.readAll(goodTopic, 2, TIMEOUT, Duration.ofMillis(500)),
                worker.settings().workerId());
        assertEquals(1, worker.stats().snapshot().tasksSkipped(), "the task without a views topic is skipped");
        assertTrue(
                worker.stats().snapshot().lastSkip().contains(missing.getViewsTopic() + " does not exist"),
                "the reason names the missing topic: "
                        + worker.stats().snapshot().lastSkip());
        KafkaTestSupport.awaitValue(
                "both offsets are committed",
                TIMEOUT,
                () -> kafka.committed(group, new TopicPartition(tasksTopic, 0)),
                offset -> offset == sent.offset() + 1);
    }

    @Test
    void anUnreadableSampleIsDeadLetteredAndItsTaskStillCompletes() throws Exception {
        String runId = KafkaTestSupport.unique("dead-letters");
        String viewsTopic = kafka.createViewsTopic(runId);
        String deadLetterTopic = KafkaTestSupport.unique("test.dead-letters");
        // sample 3 alone in record 0, the whole of record 2 (samples 20..29), sample 57 in the last record
        Set<Long> unreadable = new TreeSet<>(List.of(3L, 57L));
        LongStream.range(20, 30).forEach(unreadable::add);
        AugmentTask task = KafkaTestSupport.task(
                        runId, 9, "synthetic:?n=300", LongStream.range(0, 60).toArray(), 10)
                .build();
        WorkerSettings settings = new WorkerSettings(
                        LocalStack.shared().kafkaBootstrapServers(),
                        tasksTopic,
                        3,
                        group,
                        KafkaTestSupport.unique("worker"),
                        2,
                        Duration.ofMillis(300))
                .withDeadLetterTopic(deadLetterTopic);
        TaskWorker worker = TaskWorker.start(settings, uri -> new UnreadableSamples(Datasets.open(uri), unreadable));
        workers.add(worker);
        KafkaTestSupport.await("the worker has subscribed", TIMEOUT, worker::subscribed);

        RecordMetadata sent = kafka.publish(tasksTopic, null, null, task.toByteArray());

        List<ConsumerRecord<byte[], byte[]>> records = kafka.readAll(viewsTopic, 6, TIMEOUT, Duration.ofMillis(500));
        List<ViewBatch> batches = ViewAssertions.assertViewsOf(task, records, settings.workerId(), unreadable);
        assertEquals(
                0,
                batches.get(2).getSampleIndicesCount(),
                "a record whose samples were all rejected is still sent, so the trainer sees the task complete");
        KafkaTestSupport.awaitValue(
                "the task's offset is committed: the task is done, not failed",
                TIMEOUT,
                () -> kafka.committed(group, new TopicPartition(tasksTopic, sent.partition())),
                offset -> offset == sent.offset() + 1);
        WorkerStats.Snapshot stats = worker.stats().snapshot();
        assertEquals(1, stats.tasksCompleted(), "the task completed");
        assertEquals(0, stats.tasksSkipped(), "the task was not skipped");
        assertEquals(unreadable.size(), stats.samplesRejected(), "every unreadable sample is counted");
        assertEquals(60 - unreadable.size(), stats.samplesAugmented(), "only readable samples count as augmented");
        assertTrue(
                stats.lastRejection().contains("(unreadable)"),
                "the last rejection says why: " + stats.lastRejection());

        List<ConsumerRecord<byte[], byte[]>> letters =
                kafka.readAll(deadLetterTopic, unreadable.size(), TIMEOUT, Duration.ofMillis(500));
        assertEquals(unreadable.size(), letters.size(), "one dead letter per unreadable sample");
        ImageDataset images = Datasets.open(task.getDatasetUri());
        Set<Long> lettered = new TreeSet<>();
        for (ConsumerRecord<byte[], byte[]> record : letters) {
            RejectedSample letter = RejectedSample.parseFrom(record.value());
            lettered.add(letter.getSampleIndex());
            assertEquals(runId, new String(record.key(), StandardCharsets.UTF_8), "dead letters are keyed by run id");
            assertEquals(AugmentSchema.VERSION, letter.getSchemaVersion(), "schema_version");
            assertEquals(runId, letter.getRunId(), "run_id of the task");
            assertEquals(task.getTaskId(), letter.getTaskId(), "task_id of the task");
            assertEquals(task.getEpoch(), letter.getEpoch(), "epoch of the task");
            assertEquals(task.getDatasetUri(), letter.getDatasetUri(), "dataset_uri of the task");
            assertEquals("unreadable", letter.getReason(), "a plain DatasetException's reason");
            assertEquals(
                    UnreadableSamples.message(images, letter.getSampleIndex()),
                    letter.getDetail(),
                    "the detail is the exception's message");
            assertEquals(settings.workerId(), letter.getWorkerId(), "worker_id names the worker");
            assertTrue(letter.getRejectedAtMs() > 0, "rejected_at_ms is set");
        }
        assertEquals(unreadable, lettered, "the dead letters name exactly the unreadable samples");
        Config config = kafka.admin()
                .describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, deadLetterTopic)))
                .all()
                .get(30, TimeUnit.SECONDS)
                .values()
                .iterator()
                .next();
        assertEquals(
                String.valueOf(Topics.DEAD_LETTER_RETENTION_MS),
                config.get(TopicConfig.RETENTION_MS_CONFIG).value(),
                "the dead-letter topic is bounded by time");
        assertEquals(
                String.valueOf(Topics.DEAD_LETTER_RETENTION_BYTES),
                config.get(TopicConfig.RETENTION_BYTES_CONFIG).value(),
                "and by bytes");
    }

    /**
     * Every kind of bad image (empty, truncated, wrong magic, bit-flipped, decompression bomb; PNG and
     * JPEG) in a real image folder, read by the worker's own dataset code: each is dead-lettered with
     * its reason, the good images around them get their views, and the task completes.
     */
    @Test
    void everyKindOfBadImageIsDeadLetteredWithItsReasonAndTheGoodOnesAreAugmented(@TempDir Path dir) throws Exception {
        List<TestImages.BadImage> bad = TestImages.badImages();
        int good = 6;
        for (int i = 0; i < good; i++) {
            TestImages.write(dir.resolve("c/good-" + i + ".png"), TestImages.png(TestImages.noise(40 + i, 30, i)));
        }
        for (TestImages.BadImage image : bad) {
            TestImages.write(dir.resolve("c/" + image.name()), image.bytes());
        }
        String uri = "imagefolder:" + dir + "?size=32";
        int size = Datasets.open(uri).size();
        assertEquals(good + bad.size(), size, "every file is a sample; the bad ones fail only when read");
        String runId = KafkaTestSupport.unique("bad-images");
        String viewsTopic = kafka.createViewsTopic(runId);
        String deadLetterTopic = KafkaTestSupport.unique("test.dead-letters");
        AugmentTask task = KafkaTestSupport.task(
                        runId, 4, uri, LongStream.range(0, size).toArray(), 4)
                .build();
        WorkerSettings settings = new WorkerSettings(
                        LocalStack.shared().kafkaBootstrapServers(),
                        tasksTopic,
                        3,
                        group,
                        KafkaTestSupport.unique("worker"),
                        2,
                        Duration.ofMillis(300))
                .withDeadLetterTopic(deadLetterTopic);
        TaskWorker worker = TaskWorker.start(settings);
        workers.add(worker);
        KafkaTestSupport.await("the worker has subscribed", TIMEOUT, worker::subscribed);

        RecordMetadata sent = kafka.publish(tasksTopic, null, null, task.toByteArray());

        List<ConsumerRecord<byte[], byte[]>> letters =
                kafka.readAll(deadLetterTopic, bad.size(), TIMEOUT, Duration.ofMillis(500));
        assertEquals(bad.size(), letters.size(), "one dead letter per bad image");
        Map<String, String> reasonByFile = new TreeMap<>();
        Set<Long> rejected = new TreeSet<>();
        for (ConsumerRecord<byte[], byte[]> record : letters) {
            RejectedSample letter = RejectedSample.parseFrom(record.value());
            rejected.add(letter.getSampleIndex());
            TestImages.BadImage image = bad.stream()
                    .filter(b -> letter.getDetail().contains("/c/" + b.name()))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("the detail names the bad file: " + letter.getDetail()));
            reasonByFile.put(image.name(), letter.getReason());
        }
        Map<String, String> expected = new TreeMap<>();
        bad.forEach(image -> expected.put(image.name(), image.reason().name().toLowerCase(Locale.ROOT)));
        assertEquals(expected, reasonByFile, "each bad image is dead-lettered once, with the reason of its kind");

        int records = (size + task.getMaxSamplesPerBatch() - 1) / task.getMaxSamplesPerBatch();
        ViewAssertions.assertViewsOf(
                task,
                kafka.readAll(viewsTopic, records, TIMEOUT, Duration.ofMillis(500)),
                settings.workerId(),
                rejected);
        KafkaTestSupport.awaitValue(
                "the task's offset is committed: the worker went on",
                TIMEOUT,
                () -> kafka.committed(group, new TopicPartition(tasksTopic, sent.partition())),
                offset -> offset == sent.offset() + 1);
        WorkerStats.Snapshot stats = worker.stats().snapshot();
        assertEquals(bad.size(), stats.samplesRejected(), "every bad image is counted");
        assertEquals(good, stats.samplesAugmented(), "every good image got its views");
    }

    /**
     * A WebDataset shard with a {@code .cls} of 1000000000 and a PNG declaring 40,000,000 x 1 among
     * good samples: both are dead-lettered with their reasons, the rest get views, and the worker
     * stays up: a second task after them is worked on too.
     */
    @Test
    void aHugeLabelAndAFortyMillionByOnePngAreDeadLetteredAndTheWorkerStaysUp(@TempDir Path dir) throws Exception {
        Map<String, byte[]> members = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 4; i++) {
            members.put("s/00" + i + ".png", TestImages.png(TestImages.noise(40, 30, i)));
            members.put("s/00" + i + ".cls", TestImages.text(i == 1 ? "1000000000" : "3"));
        }
        members.put("s/004.png", TestImages.pngDeclaring(TestImages.png(TestImages.gradient(40, 30)), 40_000_000, 1));
        members.put("s/004.cls", TestImages.text("2"));
        Path shard = dir.resolve("shard-000.tar");
        TestImages.writeTar(shard, members);
        String uri = "webdataset:" + shard + "?size=32";
        String runId = KafkaTestSupport.unique("poison-samples");
        String viewsTopic = kafka.createViewsTopic(runId);
        String deadLetterTopic = KafkaTestSupport.unique("test.dead-letters");
        WorkerSettings settings = new WorkerSettings(
                        LocalStack.shared().kafkaBootstrapServers(),
                        tasksTopic,
                        3,
                        group,
                        KafkaTestSupport.unique("worker"),
                        2,
                        Duration.ofMillis(300))
                .withDeadLetterTopic(deadLetterTopic);
        TaskWorker worker = TaskWorker.start(settings);
        workers.add(worker);
        KafkaTestSupport.await("the worker has subscribed", TIMEOUT, worker::subscribed);
        AugmentTask poisoned = KafkaTestSupport.task(runId, 0, uri, new long[] {0, 1, 2, 3, 4}, 5)
                .build();
        AugmentTask after =
                KafkaTestSupport.task(runId, 1, uri, new long[] {3, 0, 2}, 5).build();

        kafka.publish(tasksTopic, 0, null, poisoned.toByteArray());
        List<ConsumerRecord<byte[], byte[]>> letters =
                kafka.readAll(deadLetterTopic, 2, TIMEOUT, Duration.ofMillis(500));
        Map<Long, String> reasons = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> record : letters) {
            RejectedSample letter = RejectedSample.parseFrom(record.value());
            reasons.put(letter.getSampleIndex(), letter.getReason());
            assertTrue(
                    letter.getDetail().contains(letter.getSampleIndex() == 1 ? "holds 1000000000" : "40000000x1"),
                    "the detail names the value: " + letter.getDetail());
        }
        assertEquals(
                Map.of(1L, "bad_label", 4L, "too_large"),
                reasons,
                "the huge label and the 40,000,000 x 1 PNG are dead-lettered, each once, with its reason");
        ViewAssertions.assertViewsOf(
                poisoned,
                kafka.readAll(viewsTopic, 1, TIMEOUT, Duration.ofMillis(500)),
                settings.workerId(),
                Set.of(1L, 4L));

        kafka.publish(tasksTopic, 0, null, after.toByteArray());
        List<ConsumerRecord<byte[], byte[]>> views = kafka.readAll(viewsTopic, 2, TIMEOUT, Duration.ofMillis(500));
        Set<Long> tasks = new TreeSet<>();
        for (ConsumerRecord<byte[], byte[]> record : views) {
            tasks.add(ViewBatch.parseFrom(record.value()).getTaskId());
        }
        assertEquals(Set.of(0L, 1L), tasks, "the worker is up and worked the next task too");
        WorkerStats.Snapshot stats = worker.stats().snapshot();
        assertEquals(2, stats.samplesRejected(), "both poison samples are counted");
        assertEquals(6, stats.samplesAugmented(), "3 good samples of the first task, 3 of the second");
    }

    @Test
    void severalRunsShareOneWorkerPool() {
        String runA = KafkaTestSupport.unique("shared-a");
        String runB = KafkaTestSupport.unique("shared-b");
        String topicA = kafka.createViewsTopic(runA);
        String topicB = kafka.createViewsTopic(runB);
        TaskWorker first = start(1, Duration.ofMillis(300));
        TaskWorker second = start(1, Duration.ofMillis(300));
        kafka.awaitGroup(group, 2, 3, TIMEOUT);
        List<AugmentTask> tasksA = new ArrayList<>();
        List<AugmentTask> tasksB = new ArrayList<>();
        for (int t = 0; t < 6; t++) { // interleaved, as two trainers publishing at once
            tasksA.add(KafkaTestSupport.task(
                            runA,
                            t,
                            "synthetic:?n=300",
                            LongStream.range(t * 8, t * 8 + 8).toArray(),
                            4)
                    .build());
            tasksB.add(KafkaTestSupport.task(
                            runB,
                            t,
                            "synthetic:?n=200&seed=7",
                            LongStream.range(t * 5, t * 5 + 5).toArray(),
                            4)
                    .setEpoch(0)
                    .build());
            kafka.publish(tasksTopic, t % 3, null, tasksA.get(t).toByteArray());
            kafka.publish(tasksTopic, (t + 1) % 3, null, tasksB.get(t).toByteArray());
        }

        List<ConsumerRecord<byte[], byte[]>> viewsA = kafka.readAll(topicA, 12, TIMEOUT, Duration.ofMillis(500));
        List<ConsumerRecord<byte[], byte[]>> viewsB = kafka.readAll(topicB, 12, TIMEOUT, Duration.ofMillis(500));
        Set<String> workerIds = new TreeSet<>();
        for (List<AugmentTask> tasks : List.of(tasksA, tasksB)) {
            List<ConsumerRecord<byte[], byte[]>> views = tasks == tasksA ? viewsA : viewsB;
            for (AugmentTask task : tasks) {
                List<ConsumerRecord<byte[], byte[]>> ofTask = views.stream()
                        .filter(r -> KafkaTestSupport.parse(r).getTaskId() == task.getTaskId())
                        .toList();
                String workerId = KafkaTestSupport.parse(ofTask.get(0)).getWorkerId();
                workerIds.add(workerId);
                ViewAssertions.assertViewsOf(task, ofTask, workerId);
            }
        }
        assertEquals(12, viewsA.size(), "run A's topic holds only run A's records, all of them");
        assertEquals(12, viewsB.size(), "run B's topic holds only run B's records, all of them");
        assertEquals(
                Set.of(first.settings().workerId(), second.settings().workerId()),
                workerIds,
                "both workers of the one pool served the runs");
    }

    @Test
    void aTasksTopicWithTooFewPartitionsIsRaisedToTheSetting() throws Exception {
        Topics.ensure(kafka.admin(), Topics.tasksTopic(tasksTopic, 1)); // an older deployment's topic
        start(1, Duration.ofMillis(300)); // settings ask for 3

        int partitions = kafka.admin()
                .describeTopics(List.of(tasksTopic))
                .allTopicNames()
                .get(30, TimeUnit.SECONDS)
                .get(tasksTopic)
                .partitions()
                .size();

        assertEquals(
                3, partitions, "the worker raises the tasks topic to tasks-partitions so every worker can get work");
    }

    @Test
    void closeReturnsPromptlyAndLeavesNoThreadsEvenWithoutABroker() {
        WorkerSettings settings = new WorkerSettings(
                "127.0.0.1:1", tasksTopic, 3, group, KafkaTestSupport.unique("unreachable"), 2, Duration.ofSeconds(5));
        TaskWorker worker = TaskWorker.start(settings);
        KafkaTestSupport.await("the loop is running", TIMEOUT, worker::alive);
        assertTrue(!worker.subscribed(), "without a broker the worker cannot create or subscribe to the tasks topic");

        long started = System.nanoTime();
        worker.close();
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        assertTrue(millis < 10_000, "close() cuts short the wait for a broker, took " + millis + " ms");
        assertTrue(!worker.alive(), "the loop has ended");
        assertNoThreadsOf(worker);
    }

    private void setMaxMessageBytes(String topic, int bytes) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        AlterConfigOp op = new AlterConfigOp(
                new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(bytes)), AlterConfigOp.OpType.SET);
        Map<ConfigResource, Collection<AlterConfigOp>> change = Map.of(resource, List.of(op));
        kafka.admin().incrementalAlterConfigs(change).all().get(30, TimeUnit.SECONDS);
    }

    /** No thread of the worker's own or of its Kafka clients (named after its id and group) is alive. */
    private static void assertNoThreadsOf(TaskWorker worker) {
        String id = worker.settings().workerId();
        String groupName = worker.settings().groupId();
        KafkaTestSupport.await(
                "every thread of worker " + id + " has ended",
                Duration.ofSeconds(10),
                () -> Thread.getAllStackTraces().keySet().stream()
                        .noneMatch(t -> t.isAlive()
                                && (t.getName().contains(id) || t.getName().endsWith("| " + groupName))));
    }
}
