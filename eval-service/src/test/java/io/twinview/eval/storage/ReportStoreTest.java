package io.twinview.eval.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Timestamps;
import io.twinview.core.checkpoint.CheckpointKeys;
import io.twinview.core.storage.ObjectStore;
import io.twinview.core.storage.StorageSettings;
import io.twinview.eval.service.ReportId;
import io.twinview.proto.v1.EvalReport;
import io.twinview.stack.LocalStack;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Against a real S3 endpoint (S3Proxy of the shared LocalStack). */
class ReportStoreTest {

    private static ObjectStore objects;
    private static ReportStore store;

    @BeforeAll
    static void connect() {
        LocalStack stack = LocalStack.shared();
        objects = new ObjectStore(StorageSettings.of(
                stack.s3Endpoint(),
                stack.s3AccessKey(),
                stack.s3SecretKey(),
                "reports-" + UUID.randomUUID().toString().substring(0, 8)));
        objects.ensureBucket();
        store = new ReportStore(objects);
    }

    @AfterAll
    static void close() {
        objects.close();
    }

    @Test
    void savesFindsAndListsNewestFirst() {
        EvalReport older = report("run-a", 100, "a", 1_000);
        EvalReport newer = report("run-a", 200, "a", 2_000);
        EvalReport otherRequest = report("run-a", 200, "b", 1_500);
        EvalReport otherRun = report("run-b", 5, "a", 3_000);
        for (EvalReport r : List.of(older, newer, otherRequest, otherRun)) {
            String key = store.save(r);
            assertEquals(
                    CheckpointKeys.reportKey(r.getRunId(), r.getStep(), r.getReportId()),
                    key,
                    "stored next to its checkpoint under its id");
        }
        objects.put(
                CheckpointKeys.checkpointPrefix("run-a", 100) + "manifest.json",
                "{}".getBytes(StandardCharsets.UTF_8),
                null);
        objects.put(
                CheckpointKeys.reportKey("run-a", 100, "broken"), "not json".getBytes(StandardCharsets.UTF_8), null);

        assertEquals(
                newer,
                store.find(ReportId.parse(newer.getReportId()).orElseThrow()).orElseThrow(),
                "found by id, equal after the JSON round trip");
        assertEquals(
                List.of(newer, otherRequest, older),
                store.list("run-a"),
                "one run's reports, newest first; manifests and unparseable objects are not reports");
        assertEquals(
                List.of(otherRun, newer, otherRequest, older), store.list(null), "every run's reports, newest first");
        assertEquals(
                List.of(newer, older),
                store.sameRequest(ReportId.parse(older.getReportId()).orElseThrow()),
                "reports of the same run and request at any step");
        assertTrue(store.find(ReportId.of("run-a", 999, "x", "y", 1)).isEmpty(), "no report, no result");
    }

    private static EvalReport report(String run, long step, String request, long createdMillis) {
        ReportId id = ReportId.of(run, step, request, request + "-test", 20);
        return EvalReport.newBuilder()
                .setReportId(id.toString())
                .setRunId(run)
                .setStep(step)
                .setKnnK(20)
                .setCreatedAt(Timestamps.fromMillis(createdMillis))
                .build();
    }
}
