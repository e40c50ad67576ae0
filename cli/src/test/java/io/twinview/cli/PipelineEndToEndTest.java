package io.twinview.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.Descriptors.Descriptor;
import io.grpc.ManagedChannel;
import io.twinview.core.checkpoint.CheckpointKeys;
import io.twinview.core.checkpoint.CheckpointStore;
import io.twinview.core.checkpoint.ProtoJson;
import io.twinview.core.checkpoint.SampleAccount;
import io.twinview.core.data.TestImages;
import io.twinview.core.storage.ObjectStore;
import io.twinview.core.storage.StorageSettings;
import io.twinview.proto.FieldOverrides;
import io.twinview.proto.v1.CheckpointManifest;
import io.twinview.proto.v1.EvalReport;
import io.twinview.proto.v1.EvalServiceGrpc;
import io.twinview.proto.v1.EvaluateRequest;
import io.twinview.proto.v1.GetReportRequest;
import io.twinview.proto.v1.GetRunRequest;
import io.twinview.proto.v1.ListReportsRequest;
import io.twinview.proto.v1.ListRunsRequest;
import io.twinview.proto.v1.Run;
import io.twinview.proto.v1.RunProgress;
import io.twinview.proto.v1.RunSpec;
import io.twinview.proto.v1.RunState;
import io.twinview.proto.v1.StartRunRequest;
import io.twinview.proto.v1.StoredObject;
import io.twinview.proto.v1.TrainerServiceGrpc;
import io.twinview.proto.v1.ViewsCursor;
import io.twinview.proto.v1.WatchRunRequest;
import io.twinview.stack.JavaProcess;
import io.twinview.stack.Ports;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * The whole pipeline as separate processes: a real Kafka broker, a real S3 endpoint and the three
 * services started from their packaged jars, driven over gRPC.
 */
class PipelineEndToEndTest {

    private static Path work;
    private static Pipeline pipeline;
    private static ManagedChannel trainerChannel;
    private static ManagedChannel evalChannel;

    @BeforeAll
    static void startPipeline() throws Exception {
        work = Files.createTempDirectory("twinview-e2e");
        pipeline = Pipeline.start(
                new Pipeline.Options(TwinviewCli.home(), work, Pipeline.PortPlan.free(), 0, 1, 1, false),
                new Console(false));
        trainerChannel = Grpc.channel(pipeline.trainerAddress(), pipeline.access());
        evalChannel = Grpc.channel(pipeline.evalAddress(), pipeline.access());
    }

    @AfterAll
    static void stopPipeline() {
        if (trainerChannel != null) {
            Grpc.close(trainerChannel);
            Grpc.close(evalChannel);
        }
        if (pipeline != null) {
            pipeline.close();
        }
        Files2.deleteQuietly(work);
        if (underRoots != null) {
            Files2.deleteQuietly(underRoots);
        }
    }

    private static TrainerServiceGrpc.TrainerServiceBlockingStub trainer() {
        return TrainerServiceGrpc.newBlockingStub(trainerChannel).withDeadlineAfter(15, TimeUnit.MINUTES);
    }

    private static EvalServiceGrpc.EvalServiceBlockingStub eval() {
        return EvalServiceGrpc.newBlockingStub(evalChannel).withDeadlineAfter(15, TimeUnit.MINUTES);
    }

    @Test
    void sslTrainingBeatsTheRandomInitEncoderOnSyntheticShapes() {
        RunSpec spec = RunSpec.newBuilder()
                .setDatasetUri("synthetic:?n=1024&seed=5")
                .setEpochs(8)
                .setBatchSize(128)
                .build();
        Training training = new Training(new Console(false));
        Run run = training.start(trainerChannel, spec, "e2e-ssl");
        Training.Result result = training.follow(trainerChannel, run);
        assertTrue(result.succeeded(), "the run finishes: " + result.last());
        assertEquals(64, result.last().getStep(), "8 epochs x 1024 images / 128 = 64 steps");

        EvalReport report =
                eval().evaluate(EvaluateRequest.newBuilder().setRunId("e2e-ssl").build());
        System.out.println(Reports.table(report));
        assertEquals(64, report.getStep(), "step 0 means the newest checkpoint: the last one");
        assertTrue(
                report.getEvalTestUri().contains("split=test"),
                "probed on held-out images: " + report.getEvalTestUri());
        assertTrue(
                report.getSsl().getKnnTop1() > report.getRandomInit().getKnnTop1() + 0.02,
                "SimCLR's k-NN top-1 beats the random-init encoder's: "
                        + report.getSsl().getKnnTop1() + " vs "
                        + report.getRandomInit().getKnnTop1());
        assertEquals(
                report,
                eval().getReport(GetReportRequest.newBuilder()
                        .setReportId(report.getReportId())
                        .build()),
                "GetReport returns the stored report");
        assertTrue(
                eval()
                        .listReports(ListReportsRequest.newBuilder()
                                .setRunId("e2e-ssl")
                                .build())
                        .getReportsList()
                        .stream()
                        .anyMatch(r -> r.getReportId().equals(report.getReportId())),
                "ListReports lists it");
    }

    @Test
    void aTrainerKilledAfterACheckpointResumesFromThatStep() throws Exception {
        RunSpec spec = RunSpec.newBuilder()
                .setDatasetUri("synthetic:?n=512&seed=9")
                .setEpochs(6)
                .setBatchSize(64)
                .setCheckpointEverySteps(8)
                .build();
        trainer()
                .startRun(StartRunRequest.newBuilder()
                        .setRunId("e2e-resume")
                        .setSpec(spec)
                        .build());
        long seenCheckpoint = 0;
        Iterator<RunProgress> stream = trainer()
                .watchRun(WatchRunRequest.newBuilder().setRunId("e2e-resume").build());
        while (stream.hasNext()) {
            RunProgress progress = stream.next();
            seenCheckpoint = progress.getLastCheckpointStep();
            if (seenCheckpoint >= 16) {
                break;
            }
        }
        assertTrue(
                seenCheckpoint >= 16 && seenCheckpoint < 48, "killed mid-run, after a checkpoint: " + seenCheckpoint);
        pipeline.service("trainer-service").kill(); // SIGKILL: no shutdown hook, no last checkpoint
        Grpc.close(trainerChannel);

        pipeline.restart("trainer-service");
        trainerChannel = Grpc.channel(pipeline.trainerAddress(), pipeline.access());
        Run resumed = trainer()
                .startRun(StartRunRequest.newBuilder().setRunId("e2e-resume").build());
        assertEquals(RunState.RUN_STATE_RUNNING, resumed.getState(), "the same run id starts again");

        RunProgress first = null;
        RunProgress last = null;
        Iterator<RunProgress> after = trainer()
                .watchRun(WatchRunRequest.newBuilder().setRunId("e2e-resume").build());
        while (after.hasNext()) {
            RunProgress progress = after.next();
            if (first == null && progress.getStep() > 0) {
                first = progress;
            }
            last = progress;
        }
        Run done = trainer()
                .getRun(GetRunRequest.newBuilder().setRunId("e2e-resume").build());
        assertTrue(
                done.getResumedFromStep() >= seenCheckpoint && done.getResumedFromStep() % 8 == 0,
                "it resumed from the newest checkpoint (>= " + seenCheckpoint + "): " + done.getResumedFromStep());
        assertTrue(
                first.getStep() > done.getResumedFromStep() - 1,
                "training continued from that step, not from 0: first step seen " + first.getStep());
        assertEquals(RunState.RUN_STATE_SUCCEEDED, last.getState(), "and finished: " + last.getMessage());
        assertEquals(48, last.getStep(), "6 epochs x 512 / 64 = 48 steps in all");
        assertTrue(last.getMessage().isEmpty() || !last.getMessage().contains("ran out"), last.getMessage());
    }

    /**
     * Kubernetes' preemption or a rolling update: the trainer gets SIGTERM mid-run, finishes its step,
     * checkpoints it and exits by itself; the next process resumes at exactly that step. The run ends
     * with every planned task published and complete and no pair left untrained: 4096 distinct pairs
     * in 64 steps of 64, so none was lost and none trained twice.
     */
    @Test
    void aTrainerStoppedWithSigtermCheckpointsItsStepAndTheNextProcessResumesThere() throws Exception {
        String runId = "e2e-sigterm";
        RunSpec spec = RunSpec.newBuilder()
                .setDatasetUri("synthetic:?n=1024&seed=13")
                .setEpochs(4)
                .setBatchSize(64)
                .setSamplesPerTask(64)
                .setCheckpointEverySteps(1000) // no checkpoint on cadence before the last step: only SIGTERM's
                .build();
        trainer()
                .startRun(StartRunRequest.newBuilder()
                        .setRunId(runId)
                        .setSpec(spec)
                        .build());
        long seenStep = 0;
        Iterator<RunProgress> stream =
                trainer().watchRun(WatchRunRequest.newBuilder().setRunId(runId).build());
        while (stream.hasNext() && seenStep < 4) {
            seenStep = stream.next().getStep();
        }
        Grpc.close(trainerChannel); // no open call to hold the gRPC server's shutdown
        JavaProcess first = pipeline.service("trainer-service");
        int exit = first.stop(Duration.ofSeconds(60)); // SIGTERM; SIGKILL only if it is still there after 60 s
        String log = first.logTail(200);

        assertNotEquals(137, exit, "the trainer exited by itself after SIGTERM, not SIGKILLed after 60 s:\n" + log);
        List<Long> checkpointed = checkpointSteps(runId);
        assertEquals(1, checkpointed.size(), "one checkpoint, the one made at SIGTERM: " + checkpointed);
        long stoppedAt = checkpointed.get(0);
        assertTrue(
                stoppedAt >= seenStep && stoppedAt < 64,
                "of the step the process had reached (>= " + seenStep + " seen), mid-run: " + stoppedAt);
        assertTrue(log.contains("preempted at step " + stoppedAt), "the log says how the run ended:\n" + log);
        assertEquals(stoppedAt * 64, manifest(runId, stoppedAt).getViews().getPairsTrained());

        RunProgress last = restartAndFinish(runId);
        Run done = trainer().getRun(GetRunRequest.newBuilder().setRunId(runId).build());

        assertEquals(stoppedAt, done.getResumedFromStep(), "resumed at the step SIGTERM interrupted: none redone");
        assertEquals(RunState.RUN_STATE_SUCCEEDED, last.getState(), "and finished: " + last.getMessage());
        assertEquals(64, last.getStep(), "4 epochs x 1024 / 64 = 64 steps in all");
        ViewsCursor views = manifest(runId, 64).getViews();
        assertEquals(4 * 1024, views.getPairsTrained(), "4 epochs of 1024 pairs trained");
        assertEquals(64, views.getNextTaskId(), "every planned task (4 x 1024 / 64) was published");
        assertEquals(
                64,
                views.getStreamTaskId(),
                "and the ordered pair stream is past the last task's records: no pair left untrained");
        SampleAccount account = SampleAccount.parse(Files.readAllBytes(bucketDir()
                .resolve(manifest(runId, 64).getObjectsList().stream()
                        .filter(o -> o.getName().equals(SampleAccount.OBJECT))
                        .findFirst()
                        .orElseThrow()
                        .getKey())));
        for (int epoch = 0; epoch < 4; epoch++) {
            assertEquals(
                    List.of(),
                    account.missing(epoch),
                    "the trainer's account across the SIGTERM: no sample of epoch " + epoch + " lost");
            assertEquals(List.of(), account.duplicated(epoch), "and none trained twice in epoch " + epoch);
        }
        assertEquals(0, last.getRejectedBatches() + last.getRejectedSamples(), "nothing was skipped");
        assertTrue(
                last.getInputWaitFraction() > 0 && last.getInputWaitFraction() < 1,
                "the resumed process measured its input wait: " + last.getInputWaitFraction());
        System.out.printf(
                "SIGTERM at step %d (seen %d); resumed there; %d duplicate record(s) dropped; input wait %.2f%n",
                stoppedAt, seenStep, last.getDuplicateBatches(), last.getInputWaitFraction());
    }

    /**
     * Two trainer processes on one run id (a rolling update with surge, a second StartRun): exactly one
     * trains it. The second waits on the run's lease, says why (StartRun, GetRun, WatchRun), and when the
     * first has finished and released the run it finds it ended and trains nothing. Every manifest verifies.
     */
    @Test
    void aSecondTrainerOnTheSameRunWaitsAndNeverTrainsIt() throws Exception {
        String runId = "e2e-fenced";
        RunSpec spec = RunSpec.newBuilder()
                .setDatasetUri("synthetic:?n=256&seed=21")
                .setEpochs(8) // 32 steps: long enough on a quiet machine for the second StartRun to meet it training
                .setBatchSize(64)
                .setCheckpointEverySteps(8)
                .build();
        int secondGrpc = Ports.free();
        JavaProcess second = pipeline.startAnother(
                "trainer-service",
                "trainer-second",
                Map.of(
                        "quarkus.grpc.server.port",
                        String.valueOf(secondGrpc),
                        "quarkus.http.port",
                        String.valueOf(Ports.free()),
                        "twinview.trainer.instance-id",
                        "trainer-second",
                        "twinview.trainer.lease.renew-interval",
                        "2s"),
                secondGrpc);
        ManagedChannel secondChannel = Grpc.channel(Ports.LOOPBACK + ":" + secondGrpc, pipeline.access());
        try {
            TrainerServiceGrpc.TrainerServiceBlockingStub other =
                    TrainerServiceGrpc.newBlockingStub(secondChannel).withDeadlineAfter(10, TimeUnit.MINUTES);
            // the second trainer makes its clients on its first call: make them before the run starts
            other.listRuns(ListRunsRequest.getDefaultInstance());
            Run first = trainer()
                    .startRun(StartRunRequest.newBuilder()
                            .setRunId(runId)
                            .setSpec(spec)
                            .build());
            assertEquals("trainer-service", first.getProgress().getLeaseOwner(), "the first trainer holds the run");

            Run refused =
                    other.startRun(StartRunRequest.newBuilder().setRunId(runId).build());
            Run asked = other.getRun(GetRunRequest.newBuilder().setRunId(runId).build());

            for (Run seen : List.of(refused, asked)) {
                assertEquals("lease", seen.getProgress().getWaitingFor(), "the second waits for the lease: " + seen);
                assertEquals("trainer-service", seen.getProgress().getLeaseOwner(), "naming the holder: " + seen);
                assertTrue(
                        seen.getProgress().getMessage().contains("is trained by trainer-service"),
                        "and says why it does not train: " + seen.getProgress().getMessage());
                assertEquals(0, seen.getProgress().getStep(), "it trained nothing");
            }
            RunProgress firstLast = null;
            Iterator<RunProgress> firstStream = trainer()
                    .watchRun(WatchRunRequest.newBuilder().setRunId(runId).build());
            while (firstStream.hasNext()) {
                firstLast = firstStream.next();
            }
            assertEquals(RunState.RUN_STATE_SUCCEEDED, firstLast.getState(), "the holder finishes the run");
            assertEquals(32, firstLast.getStep(), "8 epochs x 256 / 64 = 32 steps");

            RunProgress secondLast = null;
            Iterator<RunProgress> secondStream =
                    other.watchRun(WatchRunRequest.newBuilder().setRunId(runId).build());
            while (secondStream.hasNext()) {
                secondLast = secondStream.next();
            }
            assertTrue(
                    secondLast.getMessage().contains("this trainer did not train it"),
                    "the second took the released lease, found the run ended and trained nothing: " + secondLast);
            String secondLog = second.logTail(400);
            assertTrue(secondLog.contains("waiting for lease"), "its log says it waited for the lease:\n" + secondLog);
            assertFalse(secondLog.contains("checkpoint at step"), "it wrote no checkpoint:\n" + secondLog);
            List<Long> steps = checkpointSteps(runId);
            assertEquals(List.of(8L, 16L, 24L, 32L), steps, "one checkpoint every 8 steps, by the holder alone");
            for (long step : steps) {
                for (StoredObject object : manifest(runId, step).getObjectsList()) {
                    byte[] stored = Files.readAllBytes(bucketDir().resolve(object.getKey()));
                    assertEquals(
                            object.getSha256(),
                            HexFormat.of()
                                    .formatHex(
                                            MessageDigest.getInstance("SHA-256").digest(stored)),
                            "every manifest verifies: " + object.getKey());
                }
            }

            twoTrainersTrainTwoQueuedRunsAtOnce(other);
        } finally {
            Grpc.close(secondChannel);
            second.close();
        }
    }

    /**
     * Issue 14, acceptance 5, with two trainer processes: a run started on the busy first trainer is queued
     * and the idle second one takes it from the shared queue, so both train at the same time.
     */
    private static void twoTrainersTrainTwoQueuedRunsAtOnce(TrainerServiceGrpc.TrainerServiceBlockingStub other)
            throws InterruptedException {
        RunSpec.Builder spec = RunSpec.newBuilder()
                .setDatasetUri("synthetic:?n=256&seed=22")
                .setBatchSize(64)
                .setCheckpointEverySteps(16);
        Run first = trainer()
                .startRun(StartRunRequest.newBuilder()
                        .setRunId("e2e-queue-long")
                        .setSpec(spec.clone().setEpochs(16)) // 64 steps: the first trainer is busy for a while
                        .build());
        assertEquals(RunState.RUN_STATE_RUNNING, first.getState(), "an idle trainer starts a run at once");
        Run queued = trainer()
                .startRun(StartRunRequest.newBuilder()
                        .setRunId("e2e-queue-short")
                        .setSpec(spec.clone().setEpochs(4))
                        .build());
        assertEquals(RunState.RUN_STATE_PENDING, queued.getState(), "a busy trainer queues the next run: " + queued);

        boolean together = false;
        Run longNow = first;
        Run shortNow = queued;
        long deadline = System.nanoTime() + Duration.ofMinutes(8).toNanos();
        while (!(ended(longNow) && ended(shortNow)) && System.nanoTime() < deadline) {
            longNow = trainer()
                    .getRun(GetRunRequest.newBuilder()
                            .setRunId("e2e-queue-long")
                            .build());
            shortNow = other.getRun(
                    GetRunRequest.newBuilder().setRunId("e2e-queue-short").build());
            together |= longNow.getState() == RunState.RUN_STATE_RUNNING
                    && shortNow.getState() == RunState.RUN_STATE_RUNNING
                    && shortNow.getProgress().getStep() > 0;
            Thread.sleep(200);
        }
        assertEquals(RunState.RUN_STATE_SUCCEEDED, longNow.getState(), "the first run finished: " + longNow);
        assertEquals(RunState.RUN_STATE_SUCCEEDED, shortNow.getState(), "the queued run finished: " + shortNow);
        assertEquals(64, longNow.getProgress().getStep(), "16 epochs x 256 / 64");
        assertEquals(16, shortNow.getProgress().getStep(), "4 epochs x 256 / 64");
        assertEquals("trainer-second", shortNow.getOwner(), "the idle second trainer took the queued run");
        assertEquals("trainer-service", longNow.getOwner(), "the first trainer kept its own");
        assertTrue(together, "both runs trained at the same time, one on each trainer");
    }

    private static boolean ended(Run run) {
        return run.getState() == RunState.RUN_STATE_SUCCEEDED
                || run.getState() == RunState.RUN_STATE_FAILED
                || run.getState() == RunState.RUN_STATE_CANCELLED;
    }

    /** Starts the trainer again, resumes the run and follows it to its end: its last progress. */
    private static RunProgress restartAndFinish(String runId) {
        pipeline.restart("trainer-service");
        trainerChannel = Grpc.channel(pipeline.trainerAddress(), pipeline.access());
        trainer().startRun(StartRunRequest.newBuilder().setRunId(runId).build());
        RunProgress last = null;
        Iterator<RunProgress> after =
                trainer().watchRun(WatchRunRequest.newBuilder().setRunId(runId).build());
        while (after.hasNext()) {
            last = after.next();
        }
        return last;
    }

    /** Steps with a checkpoint manifest, oldest first, read from S3Proxy's filesystem store under the work dir. */
    private static List<Long> checkpointSteps(String runId) throws IOException {
        Path checkpoints = bucketDir().resolve(CheckpointKeys.checkpointsPrefix(runId));
        if (!Files.isDirectory(checkpoints)) {
            return List.of();
        }
        try (Stream<Path> steps = Files.list(checkpoints)) {
            return steps.filter(step -> Files.exists(step.resolve(CheckpointKeys.MANIFEST)))
                    .map(step -> Long.parseLong(step.getFileName().toString()))
                    .sorted()
                    .toList();
        }
    }

    private static CheckpointManifest manifest(String runId, long step) throws IOException {
        byte[] json = Files.readAllBytes(bucketDir().resolve(CheckpointKeys.manifestKey(runId, step)));
        return ProtoJson.parse(json, CheckpointManifest.newBuilder(), "manifest")
                .build();
    }

    private static Path bucketDir() {
        return work.resolve("s3").resolve("data").resolve(Pipeline.BUCKET);
    }

    /** A projector of 128 -> 64 for any method, a predictor of 32 and a queue of 512 keys where it has them. */
    private static void smallHeads(RunSpec.Builder spec, String method) {
        String field = method.replace('-', '_');
        Descriptor settings = RunSpec.getDescriptor().findFieldByName(field).getMessageType();
        List<String> overrides =
                new ArrayList<>(List.of(field + ".projector.hidden_dim=128", field + ".projector.output_dim=64"));
        if (settings.findFieldByName("predictor") != null) {
            overrides.add(field + ".predictor.hidden_dim=32");
        }
        if (settings.findFieldByName("queue_size") != null) {
            overrides.add(field + ".queue_size=512");
        }
        FieldOverrides.apply(spec, overrides);
    }

    /**
     * Methods whose checkpoints carry state of their own besides encoder, heads and optimizer: MoCo's
     * queue and key encoder, BYOL's EMA target, DirectPred's F estimate. Their trainer is SIGKILLed
     * after a checkpoint and the run resumed by a new process; the others run through. Every method's
     * die-and-resume is also covered in process by trainer-service's EveryMethodRunTest, and the
     * process-level kill of one run by {@link #aTrainerKilledAfterACheckpointResumesFromThatStep}: a
     * trainer restart per method here cost CI minutes for no new path.
     */
    private static final Set<String> KILLED_AND_RESUMED = Set.of("mocov2", "byol", "directpred");

    /**
     * Methods through the real pipeline: trained from workers' views over Kafka, checkpointed to S3 with
     * their method state, for {@link #KILLED_AND_RESUMED} the trainer SIGKILLed after a checkpoint, started
     * again and resumed from that checkpoint, then finished, and the final checkpoint evaluated. Tiny runs:
     * 512 synthetic images, batch 64, 2 epochs (16 steps), small heads. The three methods with state of their
     * own, plus one contrastive and one redundancy-reduction loss: what the pipeline does with a run (views,
     * checkpoint objects, events, reports) does not depend on the method, and every method key runs the same
     * loop in process with checkpoints, a kill and a resume in trainer-service's EveryMethodRunTest.
     */
    @ParameterizedTest
    @ValueSource(strings = {"simclr", "mocov2", "byol", "barlow", "directpred"})
    void methodsTrainThroughThePipelineAndAreEvaluated(String method) throws Exception {
        String runId = "e2e-method-" + method;
        RunSpec.Builder spec = RunSpec.newBuilder()
                .setMethod(method)
                .setDatasetUri("synthetic:?n=512&seed=4")
                .setEpochs(2)
                .setBatchSize(64)
                .setCheckpointEverySteps(4);
        smallHeads(spec, method);
        trainer()
                .startRun(StartRunRequest.newBuilder()
                        .setRunId(runId)
                        .setSpec(spec.build())
                        .build());
        boolean kill = KILLED_AND_RESUMED.contains(method);
        long seenCheckpoint = 0;
        RunProgress last = null;
        Iterator<RunProgress> stream =
                trainer().watchRun(WatchRunRequest.newBuilder().setRunId(runId).build());
        while (stream.hasNext() && (!kill || seenCheckpoint < 4)) {
            last = stream.next();
            assertTrue(last.getState() != RunState.RUN_STATE_FAILED, method + ": " + last.getMessage());
            seenCheckpoint = last.getLastCheckpointStep();
        }
        if (kill) {
            assertTrue(
                    seenCheckpoint >= 4 && seenCheckpoint < 16,
                    method + ": killed mid-run, after a checkpoint: " + seenCheckpoint);
            pipeline.service("trainer-service").kill();
            Grpc.close(trainerChannel);
            last = restartAndFinish(runId);
            Run done =
                    trainer().getRun(GetRunRequest.newBuilder().setRunId(runId).build());
            assertTrue(
                    done.getResumedFromStep() >= seenCheckpoint,
                    method + ": resumed from the newest checkpoint (>= " + seenCheckpoint + "): "
                            + done.getResumedFromStep());
        }
        assertEquals(RunState.RUN_STATE_SUCCEEDED, last.getState(), method + ": finished: " + last.getMessage());
        assertEquals(16, last.getStep(), method + ": 2 epochs x 512 / 64 = 16 steps in all");
        assertEquals(0, last.getNonFiniteSteps(), method + ": every step finite");
        assertTrue(last.getMonitors().getEmbeddingDim() > 0, method + ": collapse monitors in WatchRun");

        EvalReport report =
                eval().evaluate(EvaluateRequest.newBuilder().setRunId(runId).build());
        assertEquals(16, report.getStep(), method + ": the final checkpoint is evaluated");
        assertEquals(method, report.getMethod(), "the report names the method");
        assertTrue(report.getSsl().getKnnTop1() > 0 && report.getSsl().getKnnTop1() <= 1, method + ": a k-NN score");
        assertTrue(
                report.getTrainingMonitors().getEmbeddingDim() > 0,
                method + ": the report carries the training monitors");
    }

    /**
     * {@code ./twinview cancel} against the live trainer: a queued run is cancelled at once and never
     * trains; a running one checkpoints the step it is in and stops; an ended one cannot be cancelled,
     * and the command says so with a non-zero exit naming its state.
     */
    @Test
    void twinviewCancelStopsAQueuedAndARunningRunAndRefusesAnEndedOne() throws IOException {
        String running = "e2e-cancel-running";
        String queued = "e2e-cancel-queued";
        RunSpec.Builder spec = RunSpec.newBuilder()
                .setDatasetUri("synthetic:?n=256&seed=33")
                .setBatchSize(64)
                .setCheckpointEverySteps(1000); // no checkpoint on cadence: only the cancel's
        trainer()
                .startRun(StartRunRequest.newBuilder()
                        .setRunId(running)
                        .setSpec(spec.clone().setEpochs(50)) // 200 steps: it is still training when cancelled
                        .build());
        Iterator<RunProgress> stream = trainer()
                .watchRun(WatchRunRequest.newBuilder().setRunId(running).build());
        while (stream.hasNext() && stream.next().getStep() < 1) {
            // until it has trained a step
        }
        Run waiting = trainer()
                .startRun(StartRunRequest.newBuilder()
                        .setRunId(queued)
                        .setSpec(spec.clone().setEpochs(1))
                        .build());
        assertEquals(RunState.RUN_STATE_PENDING, waiting.getState(), "the busy trainer queues the second run");

        Cli cancelQueued = twinview("cancel", "--run-id", queued, "--trainer", pipeline.trainerAddress());
        assertEquals(0, cancelQueued.exit(), "cancelling a queued run succeeds: " + cancelQueued);
        assertTrue(
                cancelQueued.out().contains("run " + queued + ": RUN_STATE_CANCELLED"),
                "and prints its final state: " + cancelQueued);
        Run never = trainer().getRun(GetRunRequest.newBuilder().setRunId(queued).build());
        assertEquals(RunState.RUN_STATE_CANCELLED, never.getState(), "the queued run is cancelled: " + never);
        assertEquals(0, never.getProgress().getStep(), "it never trained");
        assertEquals(List.of(), checkpointSteps(queued), "and left no checkpoint");

        Cli cancelRunning = twinview("cancel", "--run-id", running, "--trainer", pipeline.trainerAddress());
        assertEquals(0, cancelRunning.exit(), "cancelling a running run succeeds: " + cancelRunning);
        assertTrue(
                cancelRunning.out().contains("cancel requested, waiting for it to stop")
                        && cancelRunning.out().contains("run " + running + ": RUN_STATE_CANCELLED"),
                "it waits for the run to stop at its next step and prints its final state: " + cancelRunning);
        Run stopped =
                trainer().getRun(GetRunRequest.newBuilder().setRunId(running).build());
        long step = stopped.getProgress().getStep();
        assertEquals(RunState.RUN_STATE_CANCELLED, stopped.getState(), "the running run is cancelled: " + stopped);
        assertTrue(step >= 1 && step < 200, "it stopped mid-run: step " + step);
        assertEquals(List.of(step), checkpointSteps(running), "with a checkpoint of the step it stopped at");

        Cli again = twinview("cancel", "--run-id", running, "--trainer", pipeline.trainerAddress());
        assertNotEquals(0, again.exit(), "an ended run cannot be cancelled: " + again);
        assertTrue(
                again.err().contains("already ended RUN_STATE_CANCELLED"),
                "the message names the run's state: " + again);

        Cli listed = twinview("runs", "--state", "cancelled", "--trainer", pipeline.trainerAddress());
        assertEquals(0, listed.exit(), "./twinview runs lists the cancelled runs: " + listed);
        List<String> lines = listed.out().lines().toList();
        assertTrue(
                lines.stream().anyMatch(l -> l.startsWith(queued + " ") && l.contains(" cancelled "))
                        && lines.stream().anyMatch(l -> l.startsWith(running + " ") && l.contains(" cancelled ")),
                "both runs, each a cancelled line: " + listed);
        assertTrue(
                listed.out().indexOf(queued) < listed.out().indexOf(running),
                "newest first: the queued run was submitted after the running one: " + listed);
        System.out.printf("cancel: queued run never trained; running run stopped and checkpointed at step %d%n", step);
    }

    /**
     * Issue 14, acceptance 1: a gRPC client that is not twinview's own, Node.js with the stubs generated
     * from the .proto files ({@code bench/embed-client/compare.mjs}), gets from the live eval-service the
     * embeddings {@code ./twinview embed} wrote for the same images (Embed with CHW pixels against
     * EmbedStream with HWC pixels), to 1e-5.
     */
    @Test
    void aNodeJsClientGetsTheEmbeddingsTwinviewEmbedWrote() throws Exception {
        Path client = TwinviewCli.home().resolve("bench/embed-client");
        assumeTrue(
                nodeOnPath(),
                "no `node` on PATH: the foreign-client check needs Node.js 18 or newer, then `npm ci` in"
                        + " bench/embed-client");
        assumeTrue(
                Files.isDirectory(client.resolve("node_modules/@grpc/grpc-js")),
                "bench/embed-client/node_modules is missing: run `npm ci` in bench/embed-client to enable the"
                        + " foreign-client check (.ci/run does when npm is present)");
        String runId = smallRunWithACheckpoint();
        Path dir = Files.createDirectories(work.resolve("embed-client"));
        Path cifar = dir.resolve("cifar");
        Node made = node(client, "make-cifar.mjs", cifar.toString(), "64", "7");
        assertEquals(0, made.exit(), "make-cifar.mjs writes a CIFAR-10-format folder: " + made.output());
        Path embeddings = dir.resolve("embeddings.safetensors");

        Cli embed = twinview(
                "embed",
                "--run-id",
                runId,
                "--dataset",
                "cifar10:" + cifar + "?split=test",
                "--out",
                embeddings.toString(),
                "--eval",
                pipeline.evalAddress());
        assertEquals(0, embed.exit(), "./twinview embed succeeds: " + embed);
        assertTrue(embed.out().contains("64 embeddings of"), "it embedded the 64 images: " + embed);

        Node compare = node(
                client,
                "compare.mjs",
                "--run-id",
                runId,
                "--cifar",
                cifar.toString(),
                "--embeddings",
                embeddings.toString(),
                "--count",
                "16",
                "--eval",
                pipeline.evalAddress(),
                "--ca",
                pipeline.access().tlsCa().toString(),
                "--token-file",
                tokenFile().toString());
        System.out.print(compare.output());
        assertEquals(0, compare.exit(), "the Node.js client agrees with ./twinview embed:\n" + compare.output());
        Matcher difference = Pattern.compile("(?m)^max_abs_diff=(\\S+)$").matcher(compare.output());
        assertTrue(difference.find(), "compare.mjs prints the largest difference:\n" + compare.output());
        double largest = Double.parseDouble(difference.group(1));
        assertTrue(largest <= 1e-5, "the same embeddings to 1e-5: largest difference " + largest);
        assertTrue(
                compare.output().contains("16 images embedded by run " + runId),
                "16 images were embedded over gRPC from Node.js:\n" + compare.output());
    }

    /**
     * Issue 14, acceptance 4: a run's encoder exported as safetensors in torchvision names (what {@code
     * ./twinview export --format safetensors} writes, {@link EncoderExport}), then a BYOL run on an
     * STL-10-format sample starting from those weights ({@code initial_weights}), trained to its end by
     * the pipeline and evaluated by eval-service, whose report compares the run against the imported
     * weights rather than against a random init. The 96 px images are cropped to 32 px views: the small
     * encoder's weights fit any image size.
     */
    @Test
    void aByolRunOnStl10FromExportedWeightsIsComparedWithThem() throws Exception {
        String source = smallRunWithACheckpoint();
        Path weights = underRoots().resolve("e2e-small.safetensors");
        EncoderExport.Exported exported;
        try (ObjectStore objects = new ObjectStore(StorageSettings.of(
                        pipeline.s3Endpoint(),
                        pipeline.stack().s3AccessKey(),
                        pipeline.stack().s3SecretKey(),
                        Pipeline.BUCKET));
                OutputStream file = Files.newOutputStream(weights)) {
            exported = EncoderExport.safetensors(
                    new CheckpointStore(objects), source, EncoderExport.StepChoice.parse(null), file);
        }
        assertEquals("small", exported.encoder().key(), "the small encoder of " + source + " is exported");
        Path stl = underRoots().resolve("stl10_binary");
        TestImages.stl10(stl, 32, 16, 7);

        String runId = "e2e-byol-stl10-imported";
        RunSpec.Builder spec = RunSpec.newBuilder()
                .setMethod("byol")
                .setDatasetUri("stl10:" + stl)
                .setEncoder("small")
                .setImageSize(32)
                .setEpochs(1)
                .setBatchSize(16)
                .setSamplesPerTask(16)
                .setCheckpointEverySteps(
                        1000) // the last step's checkpoint only: nothing for eval to do in the background
                .setInitialWeights(weights.toString());
        smallHeads(spec, "byol");
        Training training = new Training(new Console(false));
        Training.Result result = training.follow(trainerChannel, training.start(trainerChannel, spec.build(), runId));
        assertTrue(result.succeeded(), "the BYOL run from imported weights finishes: " + result.last());
        assertEquals(2, result.last().getStep(), "1 epoch x 32 images / 16 = 2 steps");
        assertEquals(
                weights.toString(),
                manifest(runId, 2).getSpec().getInitialWeights(),
                "its checkpoint's spec names the imported weights");

        EvalReport report =
                eval().evaluate(EvaluateRequest.newBuilder().setRunId(runId).build());
        System.out.println(Reports.table(report));
        assertEquals(2, report.getStep(), "the final checkpoint is evaluated");
        assertEquals("byol", report.getMethod(), "the report names the method");
        assertEquals(
                "initial weights " + weights,
                report.getBaseline(),
                "the report's baseline is the imported weights, not a random init");
        assertTrue(
                report.getRandomInit().getKnnTop1() > 0
                        && report.getRandomInit().getLinearTop1() > 0,
                "the report carries the imported weights' k-NN and linear scores to compare with: "
                        + report.getRandomInit());
        assertTrue(
                report.getSsl().getKnnTop1() > 0 && report.getSsl().getLinearTop1() > 0,
                "and the trained encoder's: " + report.getSsl());
    }

    /** Files the services read by path: a folder under the project folder, one of their dataset roots. */
    private static Path underRoots;

    private static synchronized Path underRoots() throws IOException {
        if (underRoots == null) {
            Path target = Files.createDirectories(TwinviewCli.home().resolve("cli/target"));
            underRoots = Files.createTempDirectory(target, "e2e-under-roots");
        }
        return underRoots;
    }

    private static String smallRun;

    /**
     * A run of the small encoder with a checkpoint of its last step: trained once, for the tests that need
     * a trained encoder (2 steps of 64 synthetic images).
     */
    private static synchronized String smallRunWithACheckpoint() {
        if (smallRun == null) {
            RunSpec spec = RunSpec.newBuilder()
                    .setDatasetUri("synthetic:?n=128&seed=31")
                    .setEncoder("small")
                    .setEpochs(1)
                    .setBatchSize(64)
                    .build();
            Training training = new Training(new Console(false));
            Training.Result result = training.follow(trainerChannel, training.start(trainerChannel, spec, "e2e-small"));
            assertTrue(result.succeeded(), "the small run finishes: " + result.last());
            smallRun = "e2e-small";
        }
        return smallRun;
    }

    /** What a {@code ./twinview} command printed, and its exit code. */
    private record Cli(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    /**
     * Runs {@code ./twinview ARGS} through the CLI's own entry point in this JVM, with this pipeline's TLS
     * trust and a token file (the connection flags a client of a secured pipeline gives).
     */
    private static Cli twinview(String... args) throws IOException {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(
                "--tls-ca",
                pipeline.access().tlsCa().toString(),
                "--token-file",
                tokenFile().toString()));
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            exit = new CommandLine(new TwinviewCli()).execute(all.toArray(String[]::new));
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        Cli result = new Cli(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        System.out.println("./twinview " + String.join(" ", args) + ": " + result);
        return result;
    }

    /** This pipeline's operator token in a file of its own, as {@code --token-file} and compare.mjs read it. */
    private static synchronized Path tokenFile() throws IOException {
        Path file = work.resolve("client-token");
        if (!Files.exists(file)) {
            Files.writeString(file, pipeline.access().token() + "\n");
        }
        return file;
    }

    private record Node(int exit, String output) {}

    private static boolean nodeOnPath() {
        try {
            Process version = new ProcessBuilder("node", "--version")
                    .redirectErrorStream(true)
                    .start();
            version.getInputStream().readAllBytes();
            return version.waitFor(30, TimeUnit.SECONDS) && version.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Runs {@code node SCRIPT ARGS} in {@code dir}; its exit code and its stdout and stderr together. */
    private static Node node(Path dir, String script, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("node", script));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(3, TimeUnit.MINUTES), "node " + script + " ends:\n" + output);
        return new Node(process.exitValue(), output);
    }
}
