package io.twinview.trainer.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.twinview.core.checkpoint.CheckpointStore;
import io.twinview.core.grpc.GrpcTestSecurity;
import io.twinview.core.kafka.KafkaClients;
import io.twinview.core.kafka.Topics;
import io.twinview.core.storage.ObjectStore;
import io.twinview.core.storage.StorageSettings;
import io.twinview.proto.v1.AugmentTask;
import io.twinview.proto.v1.CancelRunRequest;
import io.twinview.proto.v1.CheckpointEvent;
import io.twinview.proto.v1.GetRunRequest;
import io.twinview.proto.v1.ListRunsRequest;
import io.twinview.proto.v1.Run;
import io.twinview.proto.v1.RunProgress;
import io.twinview.proto.v1.RunSpec;
import io.twinview.proto.v1.RunState;
import io.twinview.proto.v1.StartRunRequest;
import io.twinview.proto.v1.TrainerServiceGrpc;
import io.twinview.proto.v1.WatchRunRequest;
import io.twinview.stack.LocalStack;
import io.twinview.stack.quarkus.LocalStackTestResource;
import io.twinview.trainer.metrics.Scrape;
import io.twinview.trainer.run.FakeWorkers;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** TrainerService over gRPC on loopback, training against the real Kafka broker and S3 endpoint. */
@QuarkusTest
@QuarkusTestResource(LocalStackTestResource.class)
class TrainerGrpcServiceTest {

    @TestHTTPResource("/q/metrics")
    URL metrics;

    private ManagedChannel channel;
    private TrainerServiceGrpc.TrainerServiceBlockingStub trainer;

    @BeforeEach
    void connect() {
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", 19191)
                .usePlaintext()
                .build();
        trainer = TrainerServiceGrpc.newBlockingStub(channel)
                .withCallCredentials(GrpcTestSecurity.TEST_OPERATOR)
                .withDeadlineAfter(3, TimeUnit.MINUTES);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private StatusRuntimeException startFails(RunSpec.Builder spec) {
        return assertThrows(
                StatusRuntimeException.class,
                () -> trainer.startRun(
                        StartRunRequest.newBuilder().setSpec(spec).build()));
    }

    @Test
    void invalidSpecsGetInvalidArgumentNamingTheField() {
        StatusRuntimeException method =
                startFails(RunSpec.newBuilder().setDatasetUri("synthetic:").setMethod("dino"));
        assertEquals(Status.Code.INVALID_ARGUMENT, method.getStatus().getCode());
        assertTrue(
                method.getStatus().getDescription().startsWith("method"),
                method.getStatus().getDescription());

        StatusRuntimeException batch =
                startFails(RunSpec.newBuilder().setDatasetUri("synthetic:").setBatchSize(0));
        assertEquals(Status.Code.INVALID_ARGUMENT, batch.getStatus().getCode());
        assertTrue(
                batch.getStatus().getDescription().startsWith("batch_size = 0"),
                batch.getStatus().getDescription());

        StatusRuntimeException dataset = startFails(RunSpec.newBuilder().setDatasetUri("cifar10:/no/such/dir"));
        assertEquals(Status.Code.INVALID_ARGUMENT, dataset.getStatus().getCode());
        assertTrue(
                dataset.getStatus().getDescription().contains("dataset_uri")
                        && dataset.getStatus().getDescription().contains("/no/such/dir"),
                dataset.getStatus().getDescription());

        StatusRuntimeException runId = assertThrows(
                StatusRuntimeException.class,
                () -> trainer.startRun(StartRunRequest.newBuilder()
                        .setRunId("Bad Id!")
                        .setSpec(RunSpec.newBuilder().setDatasetUri("synthetic:"))
                        .build()));
        assertTrue(
                runId.getStatus().getDescription().startsWith("run_id"),
                runId.getStatus().getDescription());
    }

    /**
     * Issue 12, acceptance 4: what a caller may name and how large. The test profile's roots are the
     * temporary folder and s3://trainer-test ({@code %test.twinview.datasets.roots}).
     */
    @Test
    void datasetsOutsideTheRootsAndOversizedSpecsAreRefusedNamingWhatIsAllowed() throws Exception {
        Path root =
                Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().normalize();
        Path link = root.resolve("twinview-escape-" + ProcessHandle.current().pid());
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, Path.of("/etc"));
        try {
            for (String uri : List.of(
                    "imagefolder:/etc",
                    "cifar10:/root",
                    "imagefolder:" + root + "/../..",
                    "imagefolder:" + link,
                    "cifar10:s3://trainer-test/runs/grpc-run/checkpoints")) {
                String message = invalidArgument(RunSpec.newBuilder().setDatasetUri(uri));
                assertTrue(
                        message.startsWith("dataset_uri = '" + uri + "' is not valid"),
                        "names field and value: " + message);
                assertTrue(
                        message.contains("allowed roots: " + root + ", s3://trainer-test (twinview.datasets.roots)"),
                        "names the allowed roots: " + message);
            }
            String evalSet = invalidArgument(
                    RunSpec.newBuilder().setDatasetUri("synthetic:?n=64").setEvalTestUri("cifar10:/root"));
            assertTrue(evalSet.startsWith("eval_test_uri = 'cifar10:/root' is not valid"), evalSet);
        } finally {
            Files.delete(link);
        }

        String n = invalidArgument(RunSpec.newBuilder().setDatasetUri("synthetic:?n=2000000000"));
        assertTrue(n.startsWith("dataset_uri"), n);
        assertTrue(
                n.contains("n='2000000000' is not allowed; allowed: an integer in 1..1000000"
                        + " (twinview.datasets.max-images)"),
                n);
        String batch =
                invalidArgument(RunSpec.newBuilder().setDatasetUri("synthetic:").setBatchSize(10_000_000));
        assertEquals("batch_size = 10000000 is not valid: 1..4096 (twinview.trainer.limits.max-batch-size)", batch);
        String pixels = invalidArgument(
                RunSpec.newBuilder().setDatasetUri("synthetic:?size=512").setBatchSize(256));
        assertTrue(
                pixels.startsWith("batch_size = 256 is not valid: batch_size x image_size^2 = 256 x 512^2 = 67108864"
                        + " is over the trainer's memory bound of 12845056"),
                pixels);
        String epochs =
                invalidArgument(RunSpec.newBuilder().setDatasetUri("synthetic:").setEpochs(1_000_000));
        assertEquals("epochs = 1000000 is not valid: 1..1000 (twinview.trainer.limits.max-epochs)", epochs);
        String queue = invalidArgument(RunSpec.newBuilder()
                .setDatasetUri("synthetic:")
                .setMethod("mocov2")
                .setBatchSize(64)
                .setMocov2(io.twinview.proto.v1.MoCoSettings.newBuilder().setQueueSize(1 << 20)));
        assertEquals(
                "mocov2.queue_size = 1048576 is not valid: at most 65536 (twinview.trainer.limits.max-queue-size)",
                queue);

        assertTrue(
                trainer.listRuns(ListRunsRequest.getDefaultInstance()).getRunsCount() >= 0,
                "the service answers the next call");
    }

    private String invalidArgument(RunSpec.Builder spec) {
        StatusRuntimeException e = startFails(spec);
        assertEquals(
                Status.Code.INVALID_ARGUMENT,
                e.getStatus().getCode(),
                e.getStatus().toString());
        return e.getStatus().getDescription();
    }

    @Test
    void unknownRunIsNotFound() {
        StatusRuntimeException e = assertThrows(
                StatusRuntimeException.class,
                () -> trainer.getRun(
                        GetRunRequest.newBuilder().setRunId("never-started").build()));
        assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
    }

    @Test
    void aRunTrainsThroughKafkaAndCheckpointsToS3() throws Exception {
        LocalStack stack = LocalStack.shared();
        AtomicBoolean working = new AtomicBoolean(true);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        Future<?> worker = pool.submit(() -> actAsWorker(stack.kafkaBootstrapServers(), working));
        try {
            String metricsBefore = Scrape.get(metrics).body();
            RunSpec spec = RunSpec.newBuilder()
                    .setDatasetUri("synthetic:?n=64&size=16")
                    .setEpochs(2)
                    .setBatchSize(16)
                    .setSamplesPerTask(16)
                    .setCheckpointEverySteps(4)
                    .build();
            Run started = trainer.startRun(StartRunRequest.newBuilder()
                    .setRunId("grpc-run")
                    .setSpec(spec)
                    .build());
            assertEquals(RunState.RUN_STATE_RUNNING, started.getState(), "StartRun returns the running run");
            assertEquals(8, started.getProgress().getTotalSteps(), "2 epochs x 64 images / 16 = 8 steps");

            Run queued = trainer.startRun(StartRunRequest.newBuilder()
                    .setRunId("another-run")
                    .setSpec(spec)
                    .build());
            assertEquals(
                    RunState.RUN_STATE_PENDING,
                    queued.getState(),
                    "one run at a time: the second waits in the queue: " + queued);
            assertEquals(
                    RunState.RUN_STATE_CANCELLED,
                    trainer.cancelRun(CancelRunRequest.newBuilder()
                                    .setRunId("another-run")
                                    .build())
                            .getState(),
                    "a queued run is cancelled at once (so this test's metrics count one run only)");

            List<RunProgress> progress = watchToEnd(trainer, "grpc-run");
            RunProgress last = progress.get(progress.size() - 1);
            assertEquals(
                    RunState.RUN_STATE_SUCCEEDED, last.getState(), "the stream ends with the terminal state: " + last);
            assertEquals(8, last.getStep(), "all steps trained");
            assertTrue(last.getPairsPerSecond() > 0, "throughput is reported");

            Run done = trainer.getRun(
                    GetRunRequest.newBuilder().setRunId("grpc-run").build());
            assertEquals("runs/grpc-run/checkpoints/0000000008/manifest.json", done.getLatestCheckpoint());
            assertTrue(
                    trainer.listRuns(ListRunsRequest.getDefaultInstance()).getRunsList().stream()
                            .anyMatch(run -> run.getRunId().equals("grpc-run")),
                    "ListRuns lists it");

            try (ObjectStore objects = new ObjectStore(
                    StorageSettings.of(stack.s3Endpoint(), stack.s3AccessKey(), stack.s3SecretKey(), "trainer-test"))) {
                CheckpointStore checkpoints = new CheckpointStore(objects);
                assertEquals(List.of(8L, 4L), checkpoints.steps("grpc-run"), "checkpoints every 4 steps in S3");
                assertTrue(
                        checkpoints
                                .read("grpc-run", 8, Set.of("encoder", "heads", "optimizer"))
                                .isPresent(),
                        "the last checkpoint verifies against its manifest");
            }
            assertViewsTopicDeleted(stack.kafkaBootstrapServers(), Topics.viewsTopic("grpc-run"));
            List<CheckpointEvent> events = checkpointEvents(stack.kafkaBootstrapServers());
            assertEquals(
                    List.of(4L, 8L),
                    events.stream()
                            .filter(e -> e.getRunId().equals("grpc-run"))
                            .map(CheckpointEvent::getStep)
                            .toList(),
                    "an event per checkpoint on Kafka");
            assertTrue(events.get(events.size() - 1).getFinal(), "the last event is final");
            assertMetricsCountedTheRun(metricsBefore, Scrape.get(metrics).body(), last);
        } finally {
            working.set(false);
            worker.get(30, TimeUnit.SECONDS);
            pool.shutdown();
        }
    }

    /** WatchRun until the stream ends: every progress sample of the run, its terminal state last. */
    static List<RunProgress> watchToEnd(TrainerServiceGrpc.TrainerServiceBlockingStub trainer, String runId) {
        List<RunProgress> samples = new ArrayList<>();
        trainer.watchRun(WatchRunRequest.newBuilder().setRunId(runId).build()).forEachRemaining(samples::add);
        return samples;
    }

    /**
     * /q/metrics after the run against before it: the run's pairs, steps, checkpoints, per-step
     * timings and skipped records, and the wait fraction the client was sent.
     */
    private static void assertMetricsCountedTheRun(String before, String after, RunProgress last) {
        assertEquals(128, delta(before, after, "twinview_trainer_pairs_trained_total"), "8 steps x 16 pairs");
        assertEquals(8, delta(before, after, "twinview_trainer_steps_total"));
        assertEquals(8, delta(before, after, "twinview_trainer_step_input_wait_seconds_count"), "a wait per step");
        assertEquals(8, delta(before, after, "twinview_trainer_step_compute_seconds_count"), "a compute per step");
        assertTrue(delta(before, after, "twinview_trainer_step_compute_seconds_sum") > 0, "steps take time");
        assertEquals(2, delta(before, after, "twinview_trainer_checkpoint_publish_seconds_count"), "steps 4 and 8");
        assertTrue(last.getDuplicateBatches() > 0, "the worker sent duplicates: " + last);
        assertEquals(
                last.getDuplicateBatches(),
                delta(before, after, "twinview_trainer_records_duplicate_total"),
                "the duplicates the run dropped");
        assertTrue(last.getRejectedBatches() > 0, "the worker sent garbage: " + last);
        assertEquals(
                last.getRejectedBatches(),
                delta(before, after, "twinview_trainer_records_rejected_total"),
                "the records the run rejected");
        double fraction = Scrape.value(after, "twinview_trainer_input_wait_fraction");
        assertTrue(fraction > 0 && fraction < 1, "the trainer waited for its worker some of the time: " + fraction);
        assertEquals(last.getInputWaitFraction(), fraction, 1e-6, "the gauge and WatchRun agree");
        assertTrue(
                Double.isNaN(Scrape.value(after, "twinview_trainer_run_active")),
                "no run is marked active once it ended");
    }

    private static double delta(String before, String after, String name) {
        double was = Scrape.value(before, name);
        return Scrape.value(after, name) - (Double.isNaN(was) ? 0 : was);
    }

    /**
     * What augment-service does, minus the augmentation: tasks in, ViewBatches out, with the worker's
     * clients. It misbehaves as a retried produce and a broken worker would: the first record of every
     * task is sent twice, and one record that is not a ViewBatch goes ahead of the first task's views.
     */
    static void actAsWorker(String bootstrap, AtomicBoolean working) {
        KafkaClients kafka = KafkaClients.of(bootstrap);
        try (KafkaConsumer<byte[], byte[]> consumer =
                        kafka.tasksConsumer("test-worker-tasks", "test-worker", Duration.ofSeconds(45));
                KafkaProducer<byte[], byte[]> producer = kafka.viewsProducer("test-worker-views")) {
            consumer.subscribe(List.of(Topics.DEFAULT_TASKS_TOPIC));
            boolean garbageSent = false;
            while (working.get()) {
                ConsumerRecords<byte[], byte[]> tasks = consumer.poll(Duration.ofMillis(200));
                for (ConsumerRecord<byte[], byte[]> record : tasks) {
                    AugmentTask task = AugmentTask.parseFrom(record.value());
                    if (!garbageSent) {
                        producer.send(new ProducerRecord<>(task.getViewsTopic(), null, new byte[] {1, 2, 3}));
                        garbageSent = true;
                    }
                    int n = task.getSampleIndicesCount();
                    int max = task.getMaxSamplesPerBatch();
                    int count = (n + max - 1) / max;
                    for (int seq = 0; seq < count; seq++) {
                        var samples = task.getSampleIndicesList().subList(seq * max, Math.min(n, (seq + 1) * max));
                        byte[] views = FakeWorkers.batch(task, seq, count, samples, task.getImageSize())
                                .toByteArray();
                        for (int copy = 0; copy < (seq == 0 ? 2 : 1); copy++) {
                            producer.send(new ProducerRecord<>(task.getViewsTopic(), null, views));
                        }
                    }
                }
                if (!tasks.isEmpty()) {
                    producer.flush();
                    consumer.commitSync(); // as a worker commits a task once its views are acknowledged
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("test worker failed", e);
        }
    }

    /** A run that ended for good leaves no views topic behind (the trainer deletes it after the run's end). */
    private static void assertViewsTopicDeleted(String bootstrap, String topic) throws Exception {
        try (Admin admin = KafkaClients.of(bootstrap).admin("test-views-gone")) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            boolean listed = true;
            while (listed && System.nanoTime() < deadline) {
                listed = admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic);
                Thread.sleep(listed ? 200 : 0);
            }
            assertFalse(listed, "the views topic " + topic + " is deleted once its run succeeded");
        }
    }

    private static List<CheckpointEvent> checkpointEvents(String bootstrap) throws Exception {
        String group = "test-events-" + System.nanoTime();
        List<CheckpointEvent> events = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                KafkaClients.of(bootstrap).checkpointEventsConsumer(group, group)) {
            consumer.subscribe(List.of(Topics.DEFAULT_CHECKPOINTS_TOPIC));
            long deadline = System.currentTimeMillis() + 20_000;
            while (events.size() < 2 && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    events.add(CheckpointEvent.parseFrom(record.value()));
                }
            }
        }
        return events;
    }
}
