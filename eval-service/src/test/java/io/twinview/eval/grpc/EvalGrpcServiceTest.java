package io.twinview.eval.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.twinview.core.checkpoint.CheckpointKeys;
import io.twinview.core.checkpoint.ProtoJson;
import io.twinview.core.config.StorageConfig;
import io.twinview.core.data.Datasets;
import io.twinview.core.grpc.GrpcTestSecurity;
import io.twinview.core.storage.ObjectStore;
import io.twinview.eval.TestCheckpoints;
import io.twinview.eval.probe.LinearProbe;
import io.twinview.proto.v1.EvalReport;
import io.twinview.proto.v1.EvalServiceGrpc;
import io.twinview.proto.v1.EvaluateRequest;
import io.twinview.proto.v1.GetReportRequest;
import io.twinview.proto.v1.ListReportsRequest;
import io.twinview.proto.v1.RunSpec;
import io.twinview.stack.quarkus.LocalStackTestResource;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** EvalService over a real gRPC server on loopback, with real Kafka and S3 (LocalStack). */
@QuarkusTest
@QuarkusTestResource(LocalStackTestResource.class)
class EvalGrpcServiceTest {

    private static final String RUN = TestCheckpoints.runId("grpc");
    private static final String BAD_ENCODER_RUN = TestCheckpoints.runId("grpc-bad");
    private static final long STEP = 40;
    private static String manifestKey;

    @GrpcClient("eval")
    EvalServiceGrpc.EvalServiceBlockingStub client;

    @Inject
    StorageConfig storage;

    @BeforeEach
    void writeCheckpoints() {
        synchronized (EvalGrpcServiceTest.class) {
            if (manifestKey == null) {
                RunSpec spec = TestCheckpoints.spec();
                TestCheckpoints.write(storage.settings(), RUN, 20, spec, TestCheckpoints.initialEncoder(spec));
                manifestKey = TestCheckpoints.write(
                        storage.settings(), RUN, STEP, spec, TestCheckpoints.initialEncoder(spec));
                TestCheckpoints.write(storage.settings(), BAD_ENCODER_RUN, 10, spec, new byte[] {1, 2, 3});
            }
        }
    }

    private EvalServiceGrpc.EvalServiceBlockingStub eval() {
        return client.withCallCredentials(GrpcTestSecurity.TEST_OPERATOR).withDeadlineAfter(5, TimeUnit.MINUTES);
    }

    @Test
    void evaluatesTheNewestCheckpointAndStoresTheReport() {
        EvalReport report =
                eval().evaluate(EvaluateRequest.newBuilder().setRunId(RUN).build());

        assertTrue(
                report.getReportId().matches(RUN + "\\.40\\.[0-9a-f]{8}"),
                "id <run>.<step>.<hash>: " + report.getReportId());
        assertEquals(RUN, report.getRunId(), "run id");
        assertEquals(STEP, report.getStep(), "step 0 means the newest complete checkpoint (40, not 20)");
        assertEquals(4.0, report.getEpoch(), "epoch from the manifest");
        assertEquals("simclr", report.getMethod(), "method from the spec");
        assertEquals("small", report.getEncoder(), "encoder from the spec");
        assertEquals(manifestKey, report.getCheckpointManifestKey(), "the manifest probed");
        assertEquals(
                Datasets.open(TestCheckpoints.TRAIN_URI).uri(),
                report.getEvalTrainUri(),
                "empty eval uris mean the spec's, reported canonical");
        assertEquals(Datasets.open(TestCheckpoints.TEST_URI).uri(), report.getEvalTestUri(), "the spec's test set");
        assertEquals(256, report.getTrainSamples(), "train images");
        assertEquals(128, report.getTestSamples(), "test images");
        assertEquals(256, report.getFeatureDim(), "small encoder features");
        assertEquals(200, report.getKnnK(), "knn_k 0 means the configured 200");
        assertEquals(0.07, report.getKnnTemperature(), "InstDisc temperature");
        assertTrue(
                LinearProbe.DEFAULT_L2_GRID.contains(report.getLinearL2()),
                "L2 from the grid: " + report.getLinearL2());
        assertTrue(report.getWallSeconds() > 0, "wall time recorded");
        assertTrue(report.getCreatedAt().getSeconds() > 0, "creation time recorded");
        assertTrue(report.hasSsl() && report.hasRandomInit(), "both score sets present");
        assertEquals(
                report.getRandomInit(),
                report.getSsl(),
                "an untrained checkpoint has the run's initial weights: SSL scores equal the random-init baseline");
        assertTrue(
                report.getSsl().getKnnTop1() > 0
                        && report.getSsl().getKnnTop1() <= report.getSsl().getKnnTop5(),
                "scores are fractions, top-1 <= top-5: " + report.getSsl());

        try (ObjectStore objects = new ObjectStore(storage.settings())) {
            String key = CheckpointKeys.reportKey(RUN, STEP, report.getReportId());
            EvalReport stored = ProtoJson.parse(objects.get(key), EvalReport.newBuilder(), key)
                    .build();
            assertEquals(report, stored, "the report is stored as proto3 JSON next to its checkpoint");
        }
        assertEquals(
                report,
                eval().getReport(GetReportRequest.newBuilder()
                        .setReportId(report.getReportId())
                        .build()),
                "GetReport finds it by id");
        List<EvalReport> listed = eval().listReports(
                        ListReportsRequest.newBuilder().setRunId(RUN).build())
                .getReportsList();
        assertTrue(listed.contains(report), "ListReports of the run lists it: " + listed);
        assertEquals(
                listed.stream()
                        .sorted(Comparator.comparingLong(EvalReport::getStep).thenComparing(EvalReport::getReportId))
                        .toList(),
                listed,
                "by step, then report id");
        assertTrue(
                eval().listReports(ListReportsRequest.getDefaultInstance())
                        .getReportsList()
                        .contains(report),
                "ListReports of every run lists it too");

        EvalReport again = eval().evaluate(EvaluateRequest.newBuilder()
                .setRunId(RUN)
                .setStep(STEP)
                .setKnnK(200)
                .setEvalTrainUri(TestCheckpoints.TRAIN_URI)
                .build());
        assertEquals(
                report, again, "the same request (explicitly spelled) returns the stored report, not a new evaluation");
    }

    @Test
    void anotherKIsAnotherReportWithTheCachedBaseline() {
        EvalReport k5 = eval().evaluate(EvaluateRequest.newBuilder()
                .setRunId(RUN)
                .setStep(20)
                .setKnnK(5)
                .build());
        assertEquals(20, k5.getStep(), "an explicit step is evaluated");
        assertEquals(5, k5.getKnnK(), "k as asked");
        assertEquals(k5.getRandomInit(), k5.getSsl(), "still the initial weights");
        EvalReport k5at40 = eval().evaluate(EvaluateRequest.newBuilder()
                .setRunId(RUN)
                .setStep(STEP)
                .setKnnK(5)
                .build());
        assertFalse(k5.getReportId().equals(k5at40.getReportId()), "another step is another report");
        assertEquals(
                k5.getReportId().substring(k5.getReportId().lastIndexOf('.')),
                k5at40.getReportId().substring(k5at40.getReportId().lastIndexOf('.')),
                "same request, same hash");
        assertEquals(k5.getRandomInit(), k5at40.getRandomInit(), "the baseline of a run does not change with the step");
    }

    @Test
    void unknownRunsCheckpointsAndReportsAreNotFound() {
        assertStatus(
                Status.Code.NOT_FOUND,
                "no-such-run",
                () -> eval().evaluate(EvaluateRequest.newBuilder()
                        .setRunId("no-such-run")
                        .build()));
        String description = assertStatus(
                Status.Code.NOT_FOUND,
                "step 30",
                () -> eval().evaluate(EvaluateRequest.newBuilder()
                        .setRunId(RUN)
                        .setStep(30)
                        .build()));
        assertTrue(description.contains("[40, 20]"), "the description lists the steps that exist: " + description);
        assertStatus(
                Status.Code.NOT_FOUND,
                "ListReports",
                () -> eval().getReport(GetReportRequest.newBuilder()
                        .setReportId(RUN + ".40.00000000")
                        .build()));
        assertStatus(
                Status.Code.NOT_FOUND,
                "no-such-run",
                () -> eval().listReports(ListReportsRequest.newBuilder()
                        .setRunId("no-such-run")
                        .build()));
    }

    @Test
    void badArgumentsAreInvalidWithWhatToFix() {
        assertStatus(
                Status.Code.INVALID_ARGUMENT,
                "page_size = 1001 is not valid: 0 (= 50) to 1000 are allowed",
                () -> eval().listReports(ListReportsRequest.newBuilder()
                        .setPageSize(1001)
                        .build()));
        assertStatus(
                Status.Code.INVALID_ARGUMENT,
                "page_token = \"bm90IG91cnM\" is not valid",
                () -> eval().listReports(ListReportsRequest.newBuilder()
                        .setPageToken("bm90IG91cnM")
                        .build()));
        assertStatus(
                Status.Code.INVALID_ARGUMENT,
                "run_id is empty",
                () -> eval().evaluate(EvaluateRequest.getDefaultInstance()));
        assertStatus(
                Status.Code.INVALID_ARGUMENT,
                "not a run id",
                () -> eval().evaluate(
                                EvaluateRequest.newBuilder().setRunId("Bad Run").build()));
        assertStatus(
                Status.Code.INVALID_ARGUMENT,
                "knn_k",
                () -> eval().evaluate(EvaluateRequest.newBuilder()
                        .setRunId(RUN)
                        .setKnnK(-1)
                        .build()));
        String unreadable = assertStatus(
                Status.Code.INVALID_ARGUMENT,
                "eval_train_uri",
                () -> eval().evaluate(EvaluateRequest.newBuilder()
                        .setRunId(RUN)
                        .setEvalTrainUri("nope:/data")
                        .build()));
        assertTrue(unreadable.contains("unknown scheme 'nope'"), "the dataset problem is quoted: " + unreadable);
        assertStatus(
                Status.Code.INVALID_ARGUMENT,
                "cifar10:/no/such/dir",
                () -> eval().evaluate(EvaluateRequest.newBuilder()
                        .setRunId(RUN)
                        .setEvalTestUri("cifar10:/no/such/dir")
                        .build()));
        assertStatus(
                Status.Code.INVALID_ARGUMENT,
                "<run-id>.<step>.<8 hex digits>",
                () -> eval().getReport(GetReportRequest.newBuilder()
                        .setReportId("not-an-id")
                        .build()));
        assertStatus(
                Status.Code.INVALID_ARGUMENT,
                "classes",
                () -> eval().evaluate(EvaluateRequest.newBuilder()
                        .setRunId(RUN)
                        .setEvalTestUri("synthetic:?n=64&split=test&classes=4")
                        .build()));
    }

    /**
     * Issue 12, acceptance 4: evaluation sets only from the roots (the test profile's: the temporary
     * folder and s3://twinview), never the checkpoint prefix, and within the dataset limits; the
     * service answers the next request.
     */
    @Test
    void evalSetsOutsideTheRootsOrOversizedAreRefusedNamingWhatIsAllowed() throws IOException {
        Path root =
                Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().normalize();
        Path link =
                root.resolve("twinview-eval-escape-" + ProcessHandle.current().pid());
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, Path.of("/etc"));
        try {
            for (String uri : List.of(
                    "imagefolder:/etc",
                    "cifar10:/root",
                    "imagefolder:" + root + "/../..",
                    "imagefolder:" + link,
                    "cifar10:s3://" + storage.bucket() + "/runs/" + RUN + "/checkpoints")) {
                String description = assertStatus(
                        Status.Code.INVALID_ARGUMENT,
                        "eval_test_uri = '" + uri + "' is not valid",
                        () -> eval().evaluate(EvaluateRequest.newBuilder()
                                .setRunId(RUN)
                                .setEvalTestUri(uri)
                                .build()));
                assertTrue(
                        description.contains(
                                "allowed roots: " + root + ", s3://" + storage.bucket() + " (twinview.datasets.roots)"),
                        "names the allowed roots: " + description);
            }
        } finally {
            Files.delete(link);
        }
        String n = assertStatus(
                Status.Code.INVALID_ARGUMENT,
                "eval_train_uri",
                () -> eval().evaluate(EvaluateRequest.newBuilder()
                        .setRunId(RUN)
                        .setEvalTrainUri("synthetic:?n=2000000000")
                        .build()));
        assertTrue(
                n.contains("n='2000000000' is not allowed; allowed: an integer in 1..1000000"
                        + " (twinview.datasets.max-images)"),
                n);
        EvalReport report = eval().evaluate(
                        EvaluateRequest.newBuilder().setRunId(RUN).setStep(STEP).build());
        assertEquals(STEP, report.getStep(), "the service answers the next valid request");
    }

    @Test
    void aRunWithoutHeldOutImagesMustNameAnEvalTestSet() throws IOException {
        Path cifar = Files.createTempDirectory("one-batch-cifar");
        try (OutputStream out = Files.newOutputStream(cifar.resolve("data_batch_1.bin"))) {
            byte[] record = new byte[3073];
            for (int i = 0; i < 20; i++) {
                record[0] = (byte) (i % 10);
                out.write(record);
            }
        }
        String run = TestCheckpoints.runId("grpc-no-test");
        RunSpec spec = TestCheckpoints.spec().toBuilder()
                .setDatasetUri("cifar10:" + cifar)
                .clearEvalTrainUri()
                .clearEvalTestUri()
                .build();
        TestCheckpoints.write(storage.settings(), run, 10, spec, TestCheckpoints.initialEncoder(spec));
        String description = assertStatus(
                Status.Code.INVALID_ARGUMENT,
                "empty eval test set",
                () -> eval().evaluate(EvaluateRequest.newBuilder().setRunId(run).build()));
        assertTrue(
                description.contains("name one with eval_test_uri"), "the description says what to do: " + description);

        EvalReport named = eval().evaluate(EvaluateRequest.newBuilder()
                .setRunId(run)
                .setEvalTestUri("cifar10:" + cifar + "?batches=1")
                .build());
        assertEquals(
                Datasets.open("cifar10:" + cifar + "?batches=1").uri(), named.getEvalTestUri(), "naming one works");
        assertEquals(20, named.getTrainSamples(), "the train set defaults to the training data's labelled split");
    }

    @Test
    void aCheckpointThatCannotBeProbedIsInternalWithTheReason() {
        String description = assertStatus(
                Status.Code.INTERNAL,
                "do not fit",
                () -> eval().evaluate(EvaluateRequest.newBuilder()
                        .setRunId(BAD_ENCODER_RUN)
                        .build()));
        assertTrue(description.contains(BAD_ENCODER_RUN), "the description names the checkpoint: " + description);
    }

    private static String assertStatus(Status.Code code, String inDescription, Supplier<?> call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::get, "expected " + code);
        assertEquals(
                code, e.getStatus().getCode(), "status of a call that should fail with " + code + ": " + e.getStatus());
        String description = e.getStatus().getDescription();
        assertTrue(
                description != null && description.contains(inDescription),
                "the description says '" + inDescription + "': " + description);
        return description;
    }
}
