package io.twinview.eval.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.config.SmallRyeConfig;
import io.twinview.core.checkpoint.CheckpointKeys;
import io.twinview.core.config.StorageConfig;
import io.twinview.core.retry.Waits;
import io.twinview.core.storage.ObjectStore;
import io.twinview.eval.TestCheckpoints;
import io.twinview.eval.TestEvaluations;
import io.twinview.eval.config.EvalConfig;
import io.twinview.proto.v1.EvalReport;
import io.twinview.proto.v1.RunSpec;
import io.twinview.stack.LocalStack;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Automatic evaluation against the real S3Proxy of the JVM's shared stack: a checkpoint that fails
 * every time gets a failed report after its tries while the next one gets scores, and a checkpoint
 * deleted before its turn is skipped unless it is final. Outages: {@code CheckpointEventLoopOutageTest}.
 */
class AutoEvaluatorTest {

    private static LocalStack stack;
    private static StorageConfig storage;
    private static EvalConfig evalConfig;
    private static EvaluationService service;
    private static ExecutorService caller;

    /** The listener's side of a wait: counts its polls, never stops. */
    private static final class Polling implements AutoEvaluator.Caller {
        final AtomicInteger polls = new AtomicInteger();

        @Override
        public void whileWaiting() {
            polls.incrementAndGet();
        }

        @Override
        public boolean stopping() {
            return false;
        }
    }

    @BeforeAll
    static void startStack() {
        stack = LocalStack.shared();
        SmallRyeConfig config = TestEvaluations.config(stack);
        storage = config.getConfigMapping(StorageConfig.class);
        evalConfig = config.getConfigMapping(EvalConfig.class);
        service = TestEvaluations.service(config);
        caller = Executors.newSingleThreadExecutor();
    }

    @AfterAll
    static void stopStack() {
        if (caller != null) {
            caller.shutdownNow();
        }
        if (service != null) {
            service.shutdown();
        }
    }

    /** As the listener makes it, with the default settings (3 tries, transient failures retried for 10 minutes). */
    private static AutoEvaluator auto(Waits waits) {
        return new AutoEvaluator(service, evalConfig.maxAttempts(), evalConfig.backoff(), waits);
    }

    @Test
    void aCheckpointThatFailsEveryTimeGetsAFailedReportWhileTheNextOneIsEvaluated() throws Exception {
        String run = TestCheckpoints.runId("failing");
        RunSpec spec = TestCheckpoints.spec();
        byte[] notParameters = new byte[4096];
        new Random(7).nextBytes(notParameters); // stored with its own sha256: complete, but no encoder loads it
        TestCheckpoints.write(storage.settings(), run, 10, spec, notParameters);
        TestCheckpoints.write(storage.settings(), run, 20, spec, TestCheckpoints.initialEncoder(spec));
        Polling polling = new Polling();

        AutoEvaluator.Outcome failing = caller.submit(() -> auto(new Waits()).evaluate(run, 10, false, polling))
                .get(3, TimeUnit.MINUTES);
        assertEquals(
                AutoEvaluator.Result.FAILED, failing.result(), "a failed report, not an endless retry: " + failing);
        EvalReport failed = failing.report();
        assertTrue(failed.getFailed(), "the report says it failed");
        assertEquals(3, failed.getAttempts(), "after max-attempts tries");
        assertFalse(failed.getFailure().isBlank(), "with the reason");
        assertEquals(10, failed.getStep(), "of the failing checkpoint");
        assertEquals(CheckpointKeys.manifestKey(run, 10), failed.getCheckpointManifestKey(), "naming its manifest");
        assertEquals(failed, service.report(failed.getReportId()), "the failed report is stored and fetched by its id");

        AutoEvaluator.Outcome next = caller.submit(() -> auto(new Waits()).evaluate(run, 20, true, polling))
                .get(3, TimeUnit.MINUTES);
        assertEquals(
                AutoEvaluator.Result.EVALUATED, next.result(), "the next (final) checkpoint is evaluated: " + next);
        assertFalse(next.report().getFailed(), "a report with scores");
        assertEquals(1, next.report().getAttempts(), "at the first try");

        List<EvalReport> listed = service.reports(run);
        assertEquals(
                List.of(10L, 20L),
                listed.stream().map(EvalReport::getStep).toList(),
                "the run lists both reports by step, the failed one included");
        assertTrue(listed.get(0).getFailed(), "listed as failed: " + listed.get(0));
    }

    @Test
    void aCheckpointDeletedBeforeItsTurnIsSkippedUnlessFinal() throws Exception {
        String run = TestCheckpoints.runId("deleted");
        RunSpec spec = TestCheckpoints.spec();
        byte[] encoder = TestCheckpoints.initialEncoder(spec);
        TestCheckpoints.write(storage.settings(), run, 30, spec, encoder);
        TestCheckpoints.write(storage.settings(), run, 40, spec, encoder);
        try (ObjectStore store = new ObjectStore(storage.settings())) {
            store.delete(CheckpointKeys.manifestKey(run, 30)); // as retention does: the manifest first
            store.delete(CheckpointKeys.manifestKey(run, 40));
        }
        Polling polling = new Polling();

        AutoEvaluator.Outcome intermediate = caller.submit(
                        () -> auto(new Waits()).evaluate(run, 30, false, polling))
                .get(3, TimeUnit.MINUTES);
        assertEquals(
                AutoEvaluator.Result.SKIPPED, intermediate.result(), "an intermediate one is skipped: " + intermediate);
        assertNull(intermediate.report(), "nothing stored for it");
        assertTrue(intermediate.detail().contains("deleted"), "the log line says why: " + intermediate.detail());

        AutoEvaluator.Outcome last = caller.submit(() -> auto(new Waits()).evaluate(run, 40, true, polling))
                .get(3, TimeUnit.MINUTES);
        assertEquals(AutoEvaluator.Result.FAILED, last.result(), "the final one gets a failed report: " + last);
        assertTrue(
                last.report().getFailure().contains("final")
                        && last.report().getFailure().contains("deleted"),
                "naming the reason: " + last.report().getFailure());
        assertEquals(1, last.report().getAttempts(), "a deleted checkpoint is not tried again");
        assertEquals(last.report(), service.report(last.report().getReportId()), "stored like any report");
    }
}
