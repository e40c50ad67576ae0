package io.twinview.trainer.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.twinview.core.checkpoint.CheckpointStore;
import io.twinview.core.kafka.KafkaClients;
import io.twinview.core.kafka.Topics;
import io.twinview.core.storage.ObjectStore;
import io.twinview.core.storage.StorageSettings;
import io.twinview.proto.v1.AugmentTask;
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
import io.twinview.trainer.run.FakeWorkers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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

    private ManagedChannel channel;
    private TrainerServiceGrpc.TrainerServiceBlockingStub trainer;

    @BeforeEach
    void connect() {
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", 19191)
                .usePlaintext()
                .build();
        trainer = TrainerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(3, TimeUnit.MINUTES);
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

            StatusRuntimeException busy = assertThrows(
                    StatusRuntimeException.class,
                    () -> trainer.startRun(StartRunRequest.newBuilder()
                            .setRunId("another-run")
                            .setSpec(spec)
                            .build()));
            assertEquals(
                    Status.Code.FAILED_PRECONDITION,
                    busy.getStatus().getCode(),
                    "one run at a time: " + busy.getStatus());

            List<RunProgress> progress = new ArrayList<>();
            Iterator<RunProgress> stream = trainer.watchRun(
                    WatchRunRequest.newBuilder().setRunId("grpc-run").build());
            stream.forEachRemaining(progress::add);
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
            List<CheckpointEvent> events = checkpointEvents(stack.kafkaBootstrapServers());
            assertEquals(
                    List.of(4L, 8L),
                    events.stream()
                            .filter(e -> e.getRunId().equals("grpc-run"))
                            .map(CheckpointEvent::getStep)
                            .toList(),
                    "an event per checkpoint on Kafka");
            assertTrue(events.get(events.size() - 1).getFinal(), "the last event is final");
        } finally {
            working.set(false);
            worker.get(30, TimeUnit.SECONDS);
            pool.shutdown();
        }
    }

    /** What augment-service does, minus the augmentation: tasks in, ViewBatches out, with the worker's clients. */
    private static void actAsWorker(String bootstrap, AtomicBoolean working) {
        KafkaClients kafka = KafkaClients.of(bootstrap);
        try (KafkaConsumer<byte[], byte[]> consumer =
                        kafka.tasksConsumer("test-worker-tasks", "test-worker", Duration.ofSeconds(45));
                KafkaProducer<byte[], byte[]> producer = kafka.viewsProducer("test-worker-views")) {
            consumer.subscribe(List.of(Topics.DEFAULT_TASKS_TOPIC));
            while (working.get()) {
                ConsumerRecords<byte[], byte[]> tasks = consumer.poll(Duration.ofMillis(200));
                for (ConsumerRecord<byte[], byte[]> record : tasks) {
                    AugmentTask task = AugmentTask.parseFrom(record.value());
                    int n = task.getSampleIndicesCount();
                    int max = task.getMaxSamplesPerBatch();
                    int count = (n + max - 1) / max;
                    for (int seq = 0; seq < count; seq++) {
                        var samples = task.getSampleIndicesList().subList(seq * max, Math.min(n, (seq + 1) * max));
                        producer.send(new ProducerRecord<>(
                                task.getViewsTopic(),
                                null,
                                FakeWorkers.batch(task, seq, count, samples, task.getImageSize())
                                        .toByteArray()));
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
