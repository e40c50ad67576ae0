package io.twinview.trainer.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.twinview.core.checkpoint.CheckpointKeys;
import io.twinview.core.checkpoint.CheckpointStore;
import io.twinview.core.checkpoint.ProtoJson;
import io.twinview.core.checkpoint.TestCheckpointStore;
import io.twinview.core.storage.ObjectInfo;
import io.twinview.core.storage.ObjectStore;
import io.twinview.proto.v1.CheckpointEvent;
import io.twinview.proto.v1.CheckpointManifest;
import io.twinview.proto.v1.EvalReport;
import io.twinview.proto.v1.ProbeScores;
import io.twinview.proto.v1.ProjectorSpec;
import io.twinview.proto.v1.RetentionSpec;
import io.twinview.proto.v1.RunSpec;
import io.twinview.proto.v1.SimClrSettings;
import io.twinview.trainer.train.Learner;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Retention of a real run's checkpoints in a real S3 endpoint (S3Proxy): the run loop with a tiny DJL
 * learner and in-memory views writes its checkpoints through {@link CheckpointStore}, and a listener
 * standing in for eval-service stores a report beside each one as it is published.
 */
class CheckpointRetentionTest {

    private static final int IMAGES = 80;
    private static final int BATCH = 8;
    private static final int EPOCHS = 4;
    /** 4 epochs x 80 images / 8 = 40 steps, a checkpoint every 2: 20 checkpoints. */
    private static final int CHECKPOINT_EVERY = 2;

    private static ObjectStore objects;
    private static CheckpointStore store;

    @BeforeAll
    static void connect() {
        TestCheckpointStore s3 = TestCheckpointStore.on("retention-test");
        objects = s3.objects();
        store = s3.store();
    }

    @AfterAll
    static void close() {
        objects.close();
    }

    /** Checkpoints written to object storage, as KafkaCheckpointSink writes them, minus the Kafka event. */
    private static final class StoredCheckpoints implements CheckpointSink {
        final List<CheckpointEvent> events = new ArrayList<>();

        @Override
        public String write(CheckpointManifest manifest, Map<String, byte[]> objects) {
            return store.write(manifest, objects);
        }

        @Override
        public void announce(CheckpointEvent event) {
            events.add(event);
        }

        @Override
        public String bucket() {
            return store.bucket();
        }
    }

    /**
     * Stands in for eval-service: a report beside each checkpoint as soon as it is published, before
     * retention looks. Step 10 scores best by far; step 12 would score higher still, but its report
     * is a failed one; step 14's report does not parse; every other step scores 0.1 + step / 1000.
     */
    private static final class Evaluator implements RunListener {
        @Override
        public void onCheckpointPublished(RunExecution run, long publishNanos) {
            long step = run.lastCheckpointStep();
            String id = run.runId() + "." + step + ".0000abcd";
            String key = CheckpointKeys.reportKey(run.runId(), step, id);
            double score = step == 10 ? 0.9 : step == 12 ? 0.99 : 0.1 + step / 1000.0;
            EvalReport report = EvalReport.newBuilder()
                    .setReportId(id)
                    .setRunId(run.runId())
                    .setStep(step)
                    .setSsl(ProbeScores.newBuilder().setKnnTop1(score))
                    .build();
            if (step == 12) {
                report = report.toBuilder()
                        .setFailed(true)
                        .setFailure("out of memory")
                        .build();
            }
            String json = new String(ProtoJson.toJson(report), StandardCharsets.UTF_8);
            if (step == 14) {
                json = "not json";
            }
            objects.put(key, json.getBytes(StandardCharsets.UTF_8), "application/json");
        }
    }

    private static ResolvedRun resolved(RetentionSpec retention) {
        return RunSpecs.resolve(RunSpec.newBuilder()
                .setDatasetUri("synthetic:?n=" + IMAGES + "&size=8")
                .setEpochs(EPOCHS)
                .setBatchSize(BATCH)
                .setSamplesPerTask(16)
                .setCheckpointEverySteps(CHECKPOINT_EVERY)
                .setRetention(retention)
                .setSimclr(SimClrSettings.newBuilder()
                        .setProjector(
                                ProjectorSpec.newBuilder().setHiddenDim(32).setOutputDim(16))
                        .setTemperature(0.5))
                .build());
    }

    private static List<String> keys(String prefix) {
        return objects.list(prefix, true).stream().map(ObjectInfo::key).sorted().toList();
    }

    @Test
    void aRunOf20CheckpointsKeepsTheNewest3TheBestAndNoOrphan() {
        String runId = "retention-" + UUID.randomUUID().toString().substring(0, 8);
        ResolvedRun run = resolved(
                RetentionSpec.newBuilder().setKeepLast(3).setKeepBest(1).build());
        String orphan = CheckpointKeys.objectKey(runId, 3, "encoder.params"); // a crashed attempt at step 3
        objects.put(orphan, new byte[] {1, 2, 3}, null);
        String inProgress = CheckpointKeys.objectKey(runId, 99, "encoder.params"); // newer than any manifest
        objects.put(inProgress, new byte[] {4, 5, 6}, null);

        StoredCheckpoints checkpoints = new StoredCheckpoints();
        CheckpointRetention retention =
                new CheckpointRetention(store, RetentionPolicy.of(run.spec().getRetention()));
        RunExecution.Outcome outcome;
        try (Learner learner = new Learner(RunSpecs.learnerConfig(run.spec(), Device.cpu()))) {
            InMemoryViews views = new InMemoryViews(2);
            AtomicLong clock = new AtomicLong();
            RunExecution execution = new RunExecution(
                    runId,
                    run,
                    "views",
                    learner,
                    new TaskPlan(runId, run, "views", 5),
                    views.reader(),
                    new FakeWorkers(views),
                    checkpoints,
                    progress -> {},
                    new RunExecution.Settings(2, Duration.ofMinutes(5), Duration.ZERO),
                    () -> clock.addAndGet(1_000_000));
            execution.addListener(new Evaluator());
            execution.addListener(retention);
            outcome = execution.run();
        }

        assertEquals(RunExecution.End.COMPLETE, outcome.end(), outcome.message());
        assertEquals(
                20,
                checkpoints.events.size(),
                "the run published 20 checkpoints: "
                        + checkpoints.events.stream()
                                .map(CheckpointEvent::getStep)
                                .toList());
        assertEquals(
                List.of(40L, 38L, 36L, 10L),
                store.steps(runId),
                "the newest 3 and the best-scoring (step 10; step 12's failed report scores nothing) remain");
        List<String> expected = new ArrayList<>();
        for (long step : List.of(10L, 36L, 38L, 40L)) {
            CheckpointManifest manifest = store.manifest(runId, step).orElseThrow();
            manifest.getObjectsList().forEach(object -> expected.add(object.getKey()));
            expected.add(CheckpointKeys.manifestKey(runId, step));
            expected.add(CheckpointKeys.reportKey(runId, step, runId + "." + step + ".0000abcd"));
        }
        expected.add(inProgress);
        assertEquals(
                expected.stream().sorted().toList(),
                keys(CheckpointKeys.runsPrefix() + runId + "/"),
                "exactly the kept checkpoints, whole with their reports, and the write newer than any manifest;"
                        + " no object of a deleted checkpoint and no orphan of a crashed attempt");
        for (long step : List.of(10L, 36L, 38L, 40L)) {
            assertTrue(
                    store.read(runId, step, Set.of("encoder", "heads", "optimizer"))
                            .isPresent(),
                    "kept checkpoint " + step + " verifies against its manifest");
        }
        assertEquals(
                new CheckpointRetention.Pruned(List.of(), List.of()),
                retention.prune(runId),
                "a second pass finds nothing more to delete");
    }

    @Test
    void keepLastZeroKeepsEveryCheckpointButStillRemovesOrphans() {
        String runId = "retention-all-" + UUID.randomUUID().toString().substring(0, 8);
        for (long step : List.of(2L, 4L, 6L)) {
            store.write(
                    CheckpointManifest.newBuilder()
                            .setRunId(runId)
                            .setStep(step)
                            .build(),
                    Map.of("encoder", new byte[] {(byte) step}));
        }
        objects.put(CheckpointKeys.objectKey(runId, 5, "heads.params"), new byte[] {5}, null);

        CheckpointRetention.Pruned pruned = new CheckpointRetention(store, new RetentionPolicy(0, 0)).prune(runId);

        assertEquals(List.of(), pruned.checkpoints(), "keep_last 0 keeps every checkpoint");
        assertEquals(List.of(5L), pruned.orphans(), "the step without a manifest, older than step 6, is an orphan");
        assertEquals(List.of(6L, 4L, 2L), store.steps(runId));
        assertFalse(store.folders(runId).containsKey(5L), "the orphan's objects are gone");
    }

    @Test
    void theNewestAlwaysStaysAndTheBestAreChosenByScoreThenRecency() {
        List<Long> steps = List.of(50L, 40L, 30L, 20L, 10L); // newest first, as CheckpointStore.steps lists them
        Map<Long, Double> scores = Map.of(40L, 0.5, 20L, 0.7, 10L, 0.7);
        assertEquals(
                new TreeSet<>(List.of(50L, 20L)),
                new CheckpointRetention(store, new RetentionPolicy(1, 1)).keep(steps, scores),
                "the newest, and of two equal best scores the newer");
        assertEquals(
                new TreeSet<>(List.of(50L, 40L, 20L, 10L)),
                new CheckpointRetention(store, new RetentionPolicy(2, 2)).keep(steps, scores),
                "the newest 2 and the best 2");
        assertEquals(
                new TreeSet<>(List.of(50L, 40L)),
                new CheckpointRetention(store, new RetentionPolicy(2, 0)).keep(steps, Map.of()),
                "keep_best 0 keeps only the newest ones");
        assertEquals(
                new TreeSet<>(steps),
                new CheckpointRetention(store, new RetentionPolicy(10, 1)).keep(steps, scores),
                "keep_last beyond the count keeps all");
    }
}
