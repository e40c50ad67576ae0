package io.twinview.eval.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.core.checkpoint.CheckpointStore;
import io.twinview.core.data.Datasets;
import io.twinview.core.data.EvalSplits;
import io.twinview.core.storage.ObjectStore;
import io.twinview.core.storage.StorageSettings;
import io.twinview.eval.TestCheckpoints;
import io.twinview.model.EncoderKind;
import io.twinview.proto.v1.EvaluateRequest;
import io.twinview.proto.v1.RunSpec;
import io.twinview.stack.LocalStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Requests resolved against checkpoints in the real S3 endpoint ({@link LocalStack#shared()}), without Quarkus. */
class RequestResolverTest {

    private static final int DEFAULT_K = 200;
    private static final byte[] ENCODER = {1, 2, 3}; // resolution reads manifests and sizes, never the encoder

    private static StorageSettings storage;
    private static ObjectStore objects;
    private static RequestResolver resolver;
    private static String run;

    @BeforeAll
    static void writeCheckpoints() {
        LocalStack stack = LocalStack.shared();
        storage =
                StorageSettings.of(stack.s3Endpoint(), stack.s3AccessKey(), stack.s3SecretKey(), "eval-resolver-test");
        objects = new ObjectStore(storage);
        resolver = new RequestResolver(new CheckpointStore(objects), objects.bucket(), storage, DEFAULT_K);
        run = TestCheckpoints.runId("resolve");
        TestCheckpoints.write(storage, run, 10, TestCheckpoints.spec(), ENCODER);
        TestCheckpoints.write(storage, run, 20, TestCheckpoints.spec(), ENCODER);
    }

    @AfterAll
    static void close() {
        objects.close();
    }

    @Test
    void stepZeroIsTheNewestCheckpointWithTheSpecsSetsAndTheDefaultK() {
        ResolvedRequest resolved =
                resolver.resolve(EvaluateRequest.newBuilder().setRunId(run).build());

        assertEquals(20, resolved.id().step(), "the newest complete checkpoint");
        assertEquals("runs/" + run + "/checkpoints/0000000020/manifest.json", resolved.manifestKey());
        assertEquals(EncoderKind.SMALL, resolved.encoder(), "the spec's encoder");
        assertEquals(canonical(TestCheckpoints.TRAIN_URI), resolved.train().uri(), "the spec's eval_train_uri");
        assertEquals(canonical(TestCheckpoints.TEST_URI), resolved.test().uri(), "the spec's eval_test_uri");
        assertEquals(DEFAULT_K, resolved.k(), "knn_k 0 is the configured k");
        assertEquals(
                ReportId.of(run, 20, resolved.train().uri(), resolved.test().uri(), DEFAULT_K),
                resolved.id(),
                "the report id follows from step, canonical sets and k");
    }

    @Test
    void theRequestsStepSetsAndKWinOverTheSpecs() {
        ResolvedRequest resolved = resolver.resolve(EvaluateRequest.newBuilder()
                .setRunId(run)
                .setStep(10)
                .setEvalTrainUri("synthetic:?n=32&split=train")
                .setEvalTestUri("synthetic:?n=16&split=test")
                .setKnnK(7)
                .build());

        assertEquals(10, resolved.id().step());
        assertEquals(canonical("synthetic:?n=32&split=train"), resolved.train().uri());
        assertEquals(canonical("synthetic:?n=16&split=test"), resolved.test().uri());
        assertEquals(7, resolved.k());
    }

    @Test
    void setsTheSpecDoesNotNameAreTheDefaultSplitsOfItsDataset() {
        String bare = TestCheckpoints.runId("resolve-bare");
        RunSpec spec = TestCheckpoints.spec().toBuilder()
                .clearEvalTrainUri()
                .clearEvalTestUri()
                .build();
        TestCheckpoints.write(storage, bare, 5, spec, ENCODER);
        EvalSplits defaults = Datasets.defaultSplits(spec.getDatasetUri(), storage);

        ResolvedRequest resolved =
                resolver.resolve(EvaluateRequest.newBuilder().setRunId(bare).build());

        assertEquals(canonical(defaults.evalTrainUri()), resolved.train().uri(), "the dataset's train split");
        assertEquals(canonical(defaults.evalTestUri()), resolved.test().uri(), "its held-out split");
    }

    @Test
    void badFieldsAreInvalidNamingTheField() {
        assertInvalid("run_id", "run_id is empty", () -> resolver.resolve(EvaluateRequest.getDefaultInstance()));
        assertInvalid(
                "run_id",
                "is not a run id: 1-63 characters",
                () -> resolver.resolve(
                        EvaluateRequest.newBuilder().setRunId("Bad Run").build()));
        assertInvalid(
                "step",
                "step -1 is negative",
                () -> resolver.resolve(
                        EvaluateRequest.newBuilder().setRunId(run).setStep(-1).build()));
        assertInvalid(
                "knn_k",
                "the default 200",
                () -> resolver.resolve(
                        EvaluateRequest.newBuilder().setRunId(run).setKnnK(-1).build()));
        assertInvalid(
                "eval_train_uri",
                "unknown scheme 'nope'",
                () -> resolver.resolve(EvaluateRequest.newBuilder()
                        .setRunId(run)
                        .setEvalTrainUri("nope:/data")
                        .build()));
        assertInvalid(
                "eval_test_uri",
                "classes",
                () -> resolver.resolve(EvaluateRequest.newBuilder()
                        .setRunId(run)
                        .setEvalTestUri("synthetic:?n=64&split=test&classes=4")
                        .build()));
        assertInvalid("report_id", "<run-id>.<step>.<8 hex digits>", () -> resolver.reportId("not-an-id"));
        assertInvalid("run_id", "is not a run id", () -> resolver.checkRunExists("Bad Run"));
    }

    @Test
    void unknownRunsAndStepsAreNotFoundSayingWhereTheyWereLookedFor() {
        EvalNotFoundException noRun = assertThrows(
                EvalNotFoundException.class,
                () -> resolver.resolve(
                        EvaluateRequest.newBuilder().setRunId("no-such-run").build()));
        assertTrue(
                noRun.getMessage().contains("s3://eval-resolver-test/runs/no-such-run/checkpoints/"),
                noRun.getMessage());
        EvalNotFoundException noStep = assertThrows(
                EvalNotFoundException.class,
                () -> resolver.resolve(
                        EvaluateRequest.newBuilder().setRunId(run).setStep(30).build()));
        assertTrue(
                noStep.getMessage().contains("step 30") && noStep.getMessage().contains("[20, 10]"),
                "names the steps that exist: " + noStep.getMessage());
        EvalNotFoundException unlisted =
                assertThrows(EvalNotFoundException.class, () -> resolver.checkRunExists("no-such-run"));
        assertTrue(unlisted.getMessage().contains("leave run_id empty"), unlisted.getMessage());
        resolver.checkRunExists(run);
    }

    private static String canonical(String uri) {
        return Datasets.open(uri).uri();
    }

    private static void assertInvalid(String field, String inMessage, Executable call) {
        InvalidEvalRequestException e = assertThrows(InvalidEvalRequestException.class, call);
        assertEquals(field, e.field(), "the field at fault: " + e.getMessage());
        assertTrue(e.getMessage().contains(inMessage), "says what to fix (" + inMessage + "): " + e.getMessage());
    }
}
