package io.twinview.trainer.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Timestamps;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.twinview.core.checkpoint.CheckpointStore;
import io.twinview.core.grpc.GrpcTestSecurity;
import io.twinview.core.retry.Backoff;
import io.twinview.core.retry.Waits;
import io.twinview.core.storage.ObjectStore;
import io.twinview.core.storage.StorageSettings;
import io.twinview.proto.v1.CancelRunRequest;
import io.twinview.proto.v1.GetRunRequest;
import io.twinview.proto.v1.ListRunsRequest;
import io.twinview.proto.v1.ListRunsResponse;
import io.twinview.proto.v1.Run;
import io.twinview.proto.v1.RunProgress;
import io.twinview.proto.v1.RunSpec;
import io.twinview.proto.v1.RunState;
import io.twinview.proto.v1.StartRunRequest;
import io.twinview.proto.v1.TrainerServiceGrpc;
import io.twinview.proto.v1.WatchRunRequest;
import io.twinview.stack.LocalStack;
import io.twinview.stack.quarkus.LocalStackTestResource;
import io.twinview.trainer.service.RunOwnership;
import io.twinview.trainer.storage.LeaseStore;
import io.twinview.trainer.storage.RunQueue;
import io.twinview.trainer.storage.RunRecords;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, acceptance 5: runs as a queue on one trainer, CancelRun, and ListRuns pages, over gRPC
 * on loopback against the real broker and S3 endpoint.
 */
@QuarkusTest
@QuarkusTestResource(LocalStackTestResource.class)
class RunQueueTest {

    private ManagedChannel channel;
    private TrainerServiceGrpc.TrainerServiceBlockingStub trainer;
    private final AtomicBoolean working = new AtomicBoolean(true);
    private final ExecutorService pool = Executors.newFixedThreadPool(3);
    private Future<?> worker;

    @BeforeEach
    void connect() {
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", 19191)
                .usePlaintext()
                .build();
        trainer = TrainerServiceGrpc.newBlockingStub(channel)
                .withCallCredentials(GrpcTestSecurity.TEST_OPERATOR)
                .withDeadlineAfter(2, TimeUnit.MINUTES);
        String bootstrap = LocalStack.shared().kafkaBootstrapServers();
        worker = pool.submit(() -> TrainerGrpcServiceTest.actAsWorker(bootstrap, working));
    }

    @AfterEach
    void disconnect() throws Exception {
        working.set(false);
        worker.get(30, TimeUnit.SECONDS);
        pool.shutdownNow();
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private static RunSpec spec(int images, int batch) {
        return RunSpec.newBuilder()
                .setDatasetUri("synthetic:?n=" + images + "&size=16")
                .setEpochs(1)
                .setBatchSize(batch)
                .setSamplesPerTask(batch)
                .setCheckpointEverySteps(1)
                .build();
    }

    private Run start(String runId, RunSpec spec) {
        return trainer.startRun(
                StartRunRequest.newBuilder().setRunId(runId).setSpec(spec).build());
    }

    private Future<List<RunProgress>> watch(String runId) {
        return pool.submit(() -> TrainerGrpcServiceTest.watchToEnd(trainer, runId));
    }

    @Test
    void aSecondRunWaitsInTheQueueAndTrainsAfterTheFirst() throws Exception {
        Run first = start("queue-first", spec(32, 16));
        assertEquals(RunState.RUN_STATE_RUNNING, first.getState(), "an idle trainer starts the run at once");
        Run second = start("queue-second", spec(32, 16));
        assertEquals(RunState.RUN_STATE_PENDING, second.getState(), "a busy trainer queues the run: " + second);
        assertEquals(0, second.getProgress().getQueuePosition(), "nothing queued ahead of it");
        Future<List<RunProgress>> secondSamples = watch("queue-second");

        List<RunProgress> firstSamples = watch("queue-first").get(90, TimeUnit.SECONDS);
        RunProgress firstEnd = firstSamples.get(firstSamples.size() - 1);
        assertEquals(RunState.RUN_STATE_SUCCEEDED, firstEnd.getState(), "the first run trains to its end");
        List<RunProgress> samples = secondSamples.get(90, TimeUnit.SECONDS);
        RunProgress secondEnd = samples.get(samples.size() - 1);
        assertEquals(RunState.RUN_STATE_SUCCEEDED, secondEnd.getState(), "the queued run trains to its end too");
        assertEquals(2, secondEnd.getStep(), "all its steps: " + secondEnd);
        assertEquals(
                RunState.RUN_STATE_PENDING,
                samples.get(0).getState(),
                "WatchRun on a queued run streams PENDING samples first: " + samples.get(0));
        RunProgress firstTrained = samples.stream()
                .filter(sample -> sample.getState() == RunState.RUN_STATE_RUNNING && sample.getStep() > 0)
                .findFirst()
                .orElseThrow(() -> new AssertionError("the stream goes on with the run's progress: " + samples));
        assertTrue(
                Timestamps.toMillis(firstTrained.getAt()) >= Timestamps.toMillis(firstEnd.getAt()),
                "the second run trained after the first ended: " + firstTrained.getAt() + " < " + firstEnd.getAt());
        assertEquals(
                RunState.RUN_STATE_SUCCEEDED,
                trainer.getRun(GetRunRequest.newBuilder()
                                .setRunId("queue-second")
                                .build())
                        .getState(),
                "its record says so");
    }

    @Test
    void cancelledQueuedAndRunningRunsEndCancelledTheRunningOneCheckpointed() throws Exception {
        Run running = start("cancel-running", spec(512, 8));
        assertEquals(RunState.RUN_STATE_RUNNING, running.getState());
        Run queued = start("cancel-queued", spec(32, 16));
        assertEquals(RunState.RUN_STATE_PENDING, queued.getState(), "queued behind the running run");

        Run cancelledQueued = trainer.cancelRun(
                CancelRunRequest.newBuilder().setRunId("cancel-queued").build());
        assertEquals(RunState.RUN_STATE_CANCELLED, cancelledQueued.getState(), "a queued run is cancelled at once");

        Iterator<RunProgress> stream = trainer.watchRun(
                WatchRunRequest.newBuilder().setRunId("cancel-running").build());
        List<RunProgress> samples = new ArrayList<>();
        while (stream.hasNext()) {
            RunProgress sample = stream.next();
            samples.add(sample);
            if (sample.getStep() >= 2) {
                Run asked = trainer.cancelRun(
                        CancelRunRequest.newBuilder().setRunId("cancel-running").build());
                assertTrue(asked.getCancelRequested(), "the running run is asked to stop: " + asked);
                break;
            }
        }
        stream.forEachRemaining(samples::add);
        RunProgress end = samples.get(samples.size() - 1);
        assertEquals(RunState.RUN_STATE_CANCELLED, end.getState(), "the running run ends CANCELLED: " + end);
        assertTrue(end.getStep() < 64, "it stopped before its last step: " + end);
        assertEquals(end.getStep(), end.getLastCheckpointStep(), "its last step is checkpointed: " + end);

        LocalStack stack = LocalStack.shared();
        try (ObjectStore objects = new ObjectStore(
                StorageSettings.of(stack.s3Endpoint(), stack.s3AccessKey(), stack.s3SecretKey(), "trainer-test"))) {
            CheckpointStore checkpoints = new CheckpointStore(objects);
            assertTrue(
                    checkpoints.steps("cancel-running").contains(end.getStep()),
                    "the final checkpoint is in S3: " + checkpoints.steps("cancel-running"));
            assertEquals(List.of(), checkpoints.steps("cancel-queued"), "the cancelled queued run never trained");
            RunRecords records = new RunRecords(objects);
            assertEquals(
                    RunState.RUN_STATE_CANCELLED,
                    records.find("cancel-running").orElseThrow().getState(),
                    "run.json records the cancellation");
            assertEquals(
                    RunState.RUN_STATE_CANCELLED,
                    records.find("cancel-queued").orElseThrow().getState(),
                    "and stays cancelled after the trainer turned idle");
        }
        Thread.sleep(1_000); // a few queue polls: the idle trainer must not take the cancelled run
        assertEquals(
                RunState.RUN_STATE_CANCELLED,
                trainer.getRun(GetRunRequest.newBuilder()
                                .setRunId("cancel-queued")
                                .build())
                        .getState(),
                "an idle trainer never takes a cancelled run");

        StatusRuntimeException again = assertThrows(
                StatusRuntimeException.class,
                () -> trainer.cancelRun(
                        CancelRunRequest.newBuilder().setRunId("cancel-running").build()));
        assertEquals(
                Status.Code.FAILED_PRECONDITION,
                again.getStatus().getCode(),
                again.getStatus().toString());
        assertTrue(
                again.getStatus().getDescription().contains("RUN_STATE_CANCELLED"),
                "names the state it ended in: " + again.getStatus().getDescription());
        StatusRuntimeException unknown = assertThrows(
                StatusRuntimeException.class,
                () -> trainer.cancelRun(
                        CancelRunRequest.newBuilder().setRunId("no-such-run").build()));
        assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
    }

    /**
     * Another replica, as far as the queue goes: it claims a queued run with that run's lease, as a
     * replica's dispatcher does (training it too would need a second process: one gradient collector
     * per JVM). This trainer skips the claimed run and takes the next; a cancel of the claimed run
     * becomes a request, which the run's claimer acts on.
     */
    @Test
    void aRunAnotherReplicaClaimedIsSkippedAndItsCancelIsARequest() throws Exception {
        LocalStack stack = LocalStack.shared();
        StorageSettings storage =
                StorageSettings.of(stack.s3Endpoint(), stack.s3AccessKey(), stack.s3SecretKey(), "trainer-test");
        assertEquals(
                RunState.RUN_STATE_RUNNING, start("replica-busy", spec(1024, 8)).getState());
        assertEquals(
                RunState.RUN_STATE_PENDING, start("replica-held", spec(32, 16)).getState());
        Run next = start("replica-next", spec(32, 16));
        assertEquals(1, next.getProgress().getQueuePosition(), "one queued run ahead of it: " + next);

        try (LeaseStore leases = new LeaseStore(storage);
                ObjectStore objects = new ObjectStore(storage)) {
            RunOwnership other = new RunOwnership(
                    leases,
                    "replica-held",
                    RunOwnership.Identity.of("other-replica"),
                    new RunOwnership.Settings(Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofMillis(200)),
                    System::nanoTime,
                    new Backoff(Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofSeconds(2)),
                    new Waits());
            assertTrue(other.tryAcquire().isEmpty(), "the other replica claims the queued run");

            Run asked = trainer.cancelRun(
                    CancelRunRequest.newBuilder().setRunId("replica-held").build());
            assertTrue(asked.getCancelRequested(), "a run another replica holds gets a cancel request: " + asked);
            assertEquals(RunState.RUN_STATE_PENDING, asked.getState(), "its holder, not this trainer, ends it");
            assertTrue(new RunQueue(objects).cancelRequested("replica-held"), "the request is in storage");

            trainer.cancelRun(
                    CancelRunRequest.newBuilder().setRunId("replica-busy").build());
            List<RunProgress> samples = watch("replica-next").get(90, TimeUnit.SECONDS);
            assertEquals(
                    RunState.RUN_STATE_SUCCEEDED,
                    samples.get(samples.size() - 1).getState(),
                    "the idle trainer skipped the claimed run and trained the next one");
            assertEquals(
                    List.of(),
                    new CheckpointStore(objects).steps("replica-held"),
                    "this trainer never trained the run another replica holds");

            other.release(); // the claimer gives it up; the next claimer sees the cancel request first
            List<RunProgress> held = watch("replica-held").get(30, TimeUnit.SECONDS);
            assertEquals(
                    RunState.RUN_STATE_CANCELLED,
                    held.get(held.size() - 1).getState(),
                    "claimed again, the cancelled run ends CANCELLED, never trained: " + held);
        }
    }

    @Test
    void listRunsPagesWalkEveryRunOnceNewestFirst() {
        LocalStack stack = LocalStack.shared();
        List<String> written = new ArrayList<>();
        try (ObjectStore objects = new ObjectStore(
                StorageSettings.of(stack.s3Endpoint(), stack.s3AccessKey(), stack.s3SecretKey(), "trainer-test"))) {
            RunRecords records = new RunRecords(objects);
            for (int i = 0; i < 8; i++) {
                String runId = "page-run-" + i;
                long created = 1_600_000_000_000L + (i / 2) * 1000L; // two runs per millisecond: the id breaks ties
                records.save(Run.newBuilder()
                        .setRunId(runId)
                        .setState(i == 3 ? RunState.RUN_STATE_FAILED : RunState.RUN_STATE_SUCCEEDED)
                        .setCreatedAt(Timestamps.fromMillis(created))
                        .build());
                written.add(runId);
            }
        }
        List<Run> walked = new ArrayList<>();
        String token = "";
        int pages = 0;
        do {
            ListRunsResponse page = trainer.listRuns(ListRunsRequest.newBuilder()
                    .setPageSize(3)
                    .setPageToken(token)
                    .build());
            assertTrue(page.getRunsCount() <= 3, "at most page_size runs a page");
            walked.addAll(page.getRunsList());
            token = page.getNextPageToken();
            pages++;
        } while (!token.isEmpty() && pages < 1000);
        List<String> ids = walked.stream().map(Run::getRunId).toList();
        assertEquals(new HashSet<>(ids).size(), ids.size(), "no run twice: " + ids);
        assertTrue(ids.containsAll(written), "every run: " + ids);
        List<Run> sorted = new ArrayList<>(walked);
        sorted.sort(Comparator.comparing((Run run) -> -Timestamps.toMillis(run.getCreatedAt()))
                .thenComparing(Run::getRunId));
        assertEquals(sorted.stream().map(Run::getRunId).toList(), ids, "newest first, then by run id");
        List<String> mine = ids.stream().filter(written::contains).toList();
        assertEquals(
                List.of(
                        "page-run-6",
                        "page-run-7",
                        "page-run-4",
                        "page-run-5",
                        "page-run-2",
                        "page-run-3",
                        "page-run-0",
                        "page-run-1"),
                mine,
                "created_at descending, ties by run id ascending");

        ListRunsResponse failed = trainer.listRuns(ListRunsRequest.newBuilder()
                .setPageSize(1000)
                .addStates(RunState.RUN_STATE_FAILED)
                .build());
        assertTrue(
                failed.getRunsList().stream().allMatch(run -> run.getState() == RunState.RUN_STATE_FAILED),
                "only the states asked for");
        assertTrue(
                failed.getRunsList().stream().anyMatch(run -> run.getRunId().equals("page-run-3")),
                "the failed one among them");
        assertEquals("", failed.getNextPageToken(), "one page holds them: no next page");

        String firstToken = trainer.listRuns(
                        ListRunsRequest.newBuilder().setPageSize(1).build())
                .getNextPageToken();
        assertFalse(firstToken.isEmpty(), "more runs than one page");
        Set<String> refused = new HashSet<>();
        for (ListRunsRequest bad : List.of(
                ListRunsRequest.newBuilder().setPageSize(1001).build(),
                ListRunsRequest.newBuilder().setPageSize(-1).build(),
                ListRunsRequest.newBuilder().setPageToken("not a token").build(),
                ListRunsRequest.newBuilder().setPageToken("dGFtcGVyZWQ").build(),
                ListRunsRequest.newBuilder()
                        .setPageToken(firstToken)
                        .addStates(RunState.RUN_STATE_FAILED)
                        .build())) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> trainer.listRuns(bad));
            assertEquals(
                    Status.Code.INVALID_ARGUMENT,
                    e.getStatus().getCode(),
                    e.getStatus().toString());
            String field = e.getStatus().getDescription().split(" ")[0];
            refused.add(field);
            assertTrue(
                    e.getStatus().getDescription().contains(bad.getPageSize() != 0 ? "1000" : "next_page_token"),
                    "says what is allowed: " + e.getStatus().getDescription());
        }
        assertEquals(Set.of("page_size", "page_token"), refused, "each error names its field");
    }
}
