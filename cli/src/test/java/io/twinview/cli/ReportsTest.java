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
}
