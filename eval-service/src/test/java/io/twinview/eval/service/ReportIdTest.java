package io.twinview.eval.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.core.checkpoint.CheckpointKeys;
import org.junit.jupiter.api.Test;

class ReportIdTest {

    @Test
    void idIsRunStepAndAHashOfTheRequest() {
        ReportId id = ReportId.of("demo-1", 600, "cifar10:/d?batches=1-4", "cifar10:/d?batches=5", 200);
        assertTrue(id.toString().matches("demo-1\\.600\\.[0-9a-f]{8}"), "<run-id>.<step>.<8 hex>: " + id);
        assertEquals(
                id,
                ReportId.of("demo-1", 600, "cifar10:/d?batches=1-4", "cifar10:/d?batches=5", 200),
                "the same request gets the same id");
        assertNotEquals(
                id,
                ReportId.of("demo-1", 600, "cifar10:/d?batches=1-4", "cifar10:/d?batches=5", 20),
                "another k gets another id");
        assertNotEquals(
                id.requestHash(),
                ReportId.of("demo-1", 600, "cifar10:/d?batches=5", "cifar10:/d?batches=1-4", 200)
                        .requestHash(),
                "swapping the sets changes the hash");
    }

    @Test
    void parsesWhatItPrintsAndLocatesTheObjectWithoutScanning() {
        ReportId id = ReportId.of("run-7", 12, "synthetic:?n=8", "synthetic:?n=4&split=test", 5);
        assertEquals(id, ReportId.parse(id.toString()).orElseThrow(), "toString and parse round-trip");
        assertEquals(
                CheckpointKeys.reportKey("run-7", 12, id.toString()),
                "runs/run-7/checkpoints/0000000012/reports/" + id + ".json",
                "the key follows from the id alone");
    }

    @Test
    void rejectsWhatIsNotAnId() {
        for (String bad : new String[] {
            "",
            "run",
            "run.12",
            "Run.1.0123abcd",
            "run.1.0123ABCD",
            "run.-1.0123abcd",
            "run.1.0123abc",
            "a.b.1.0123abcd",
            "run/x.1.0123abcd"
        }) {
            assertTrue(ReportId.parse(bad).isEmpty(), "'" + bad + "' is not <run-id>.<step>.<8 hex>");
        }
    }
}
