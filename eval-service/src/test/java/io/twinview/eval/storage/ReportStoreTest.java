package io.twinview.eval.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Timestamps;
import io.twinview.core.checkpoint.CheckpointKeys;
import io.twinview.core.paging.InvalidPageException;
import io.twinview.core.paging.Pages;
import io.twinview.core.storage.ObjectStore;
import io.twinview.core.storage.StorageSettings;
import io.twinview.eval.service.ReportId;
import io.twinview.proto.v1.EvalReport;
import io.twinview.stack.LocalStack;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
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
    void savesFindsAndListsByRunThenStep() {
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
                sorted(List.of(older, newer, otherRequest)),
                store.list("run-a"),
                "one run's reports by step, then report id; manifests and unparseable objects are not reports");
        assertEquals(
                sorted(List.of(older, newer, otherRequest, otherRun)),
                store.list(null),
                "every run's reports by run id, then step, then report id");
        assertEquals(
                List.of(newer, older),
                store.sameRequest(ReportId.parse(older.getReportId()).orElseThrow()),
                "reports of the same run and request at any step");
        assertTrue(store.find(ReportId.of("run-a", 999, "x", "y", 1)).isEmpty(), "no report, no result");
    }

    /** Issue 14: ListReports pages (AIP-158) walk every report once, in the listing's order. */
    @Test
    void pagesWalkEveryReportOnceByRunThenStepAndRefuseBadSizesAndTokens() {
        ObjectStore bucket = new ObjectStore(StorageSettings.of(
                LocalStack.shared().s3Endpoint(),
                LocalStack.shared().s3AccessKey(),
                LocalStack.shared().s3SecretKey(),
                "pages-" + UUID.randomUUID().toString().substring(0, 8)));
        try (bucket) {
            bucket.ensureBucket();
            ReportStore pages = new ReportStore(bucket);
            List<EvalReport> expected = new ArrayList<>();
            for (String run : List.of("p-run", "p-run-2")) {
                for (long step : List.of(5L, 10L, 100L)) {
                    for (String request : List.of("a", "b")) {
                        EvalReport r = report(run, step, request, 10_000 - step);
                        pages.save(r);
                        expected.add(r);
                    }
                }
            }
            expected = sorted(expected);
            List<EvalReport> walked = new ArrayList<>();
            String token = "";
            int count = 0;
            do {
                Pages.Page<EvalReport> page = pages.page(null, 5, token);
                assertTrue(page.items().size() <= 5, "at most page_size reports a page");
                walked.addAll(page.items());
                token = page.nextPageToken();
                count++;
            } while (!token.isEmpty() && count < 100);
            assertEquals(3, count, "12 reports in pages of 5");
            assertEquals(expected, walked, "every report once, by run id, then step ascending, then report id");
            assertEquals(
                    expected.subList(0, 6),
                    pages.page("p-run", 0, "").items(),
                    "page_size 0 serves the default (50): one run's reports on one page");
            assertEquals("", pages.page("p-run", 0, "").nextPageToken(), "the last page has no next token");

            String next = pages.page(null, 5, "").nextPageToken();
            InvalidPageException otherRun =
                    assertThrows(InvalidPageException.class, () -> pages.page("p-run", 5, next));
            assertTrue(otherRun.getMessage().startsWith("page_token = "), otherRun.getMessage());
            InvalidPageException garbage = assertThrows(InvalidPageException.class, () -> pages.page(null, 5, "%%%"));
            assertTrue(garbage.getMessage().contains("next_page_token"), garbage.getMessage());
            InvalidPageException size = assertThrows(InvalidPageException.class, () -> pages.page(null, 1001, ""));
            assertEquals(
                    "page_size = 1001 is not valid: 0 (= 50) to 1000 are allowed",
                    size.getMessage(),
                    "names the field, the value and what is allowed");
        }
    }

    /** The documented order, written independently of ReportStore's sort key. */
    private static List<EvalReport> sorted(List<EvalReport> reports) {
        List<EvalReport> copy = new ArrayList<>(reports);
        copy.sort(Comparator.comparing(EvalReport::getRunId)
                .thenComparingLong(EvalReport::getStep)
                .thenComparing(EvalReport::getReportId));
        return copy;
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
