package io.twinview.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.proto.v1.EvalReport;
import io.twinview.proto.v1.ProbeScores;
import org.junit.jupiter.api.Test;

class ReportsTest {

    @Test
    void aFailedReportPrintsAsFailedWithItsReasonAndNoScores() {
        EvalReport failed = EvalReport.newBuilder()
                .setReportId("r-1.10.0123abcd")
                .setRunId("r-1")
                .setStep(10)
                .setFailed(true)
                .setFailure("IllegalStateException: checkpoint cannot be probed")
                .setAttempts(3)
                .build();

        String table = Reports.table(failed);

        assertEquals(
                "evaluation of r-1 step 10 FAILED after 3 attempt(s): IllegalStateException: checkpoint cannot be"
                        + " probed" + System.lineSeparator() + "  report r-1.10.0123abcd",
                table,
                "one line with the reason, then the report id; no score table of zeros");
    }

    @Test
    void aReportWithScoresStillPrintsItsTable() {
        EvalReport scored = EvalReport.newBuilder()
                .setReportId("r-1.20.0123abcd")
                .setRunId("r-1")
                .setStep(20)
                .setMethod("simclr")
                .setSsl(ProbeScores.newBuilder().setKnnTop1(0.5))
                .setAttempts(1)
                .build();

        String table = Reports.table(scored);

        assertTrue(table.contains("simclr (SSL)") && table.contains("50.0%"), "the usual table: " + table);
        assertFalse(table.contains("FAILED"), "not marked failed: " + table);
    }

    @Test
    void anImportedRunsBaselineIsLabelledAsItsInitialWeights() {
        EvalReport imported = EvalReport.newBuilder()
                .setRunId("r-2")
                .setStep(4)
                .setMethod("byol")
                .setSsl(ProbeScores.newBuilder().setKnnTop1(0.6))
                .setRandomInit(ProbeScores.newBuilder().setKnnTop1(0.4))
                .setBaseline("initial weights s3://weights/resnet18.safetensors")
                .setAttempts(1)
                .build();

        String table = Reports.table(imported);

        assertTrue(
                table.contains("initial weights   ") && table.contains("40.0%"),
                "the baseline row is named initial weights: " + table);
        assertTrue(
                table.contains("baseline: initial weights s3://weights/resnet18.safetensors"),
                "the file it came from is named: " + table);
        assertTrue(table.contains("gain over initial weights: k-NN +20.0 points"), "the gain is over them: " + table);
        assertFalse(table.contains("random init"), "no random-init wording for an imported run: " + table);
    }
}
