package io.twinview.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.twinview.proto.v1.RunProgress;
import io.twinview.proto.v1.RunState;
import org.junit.jupiter.api.Test;

class TrainingTest {

    private static RunProgress.Builder finished() {
        return RunProgress.newBuilder()
                .setState(RunState.RUN_STATE_SUCCEEDED)
                .setStep(120)
                .setTotalSteps(120)
                .setElapsedSeconds(95.4)
                .setInputWaitFraction(0.126);
    }

    @Test
    void aCleanRunEndsWithItsStateStepsAndTime() {
        assertEquals(
                "  finished at step 120/120 after 1:35, 13% of it waiting for views",
                Training.end(finished().build()), "nothing skipped: nothing more is said");
    }

    @Test
    void theEndLineSaysWhatWasSkipped() {
        RunProgress p = finished()
                .setRejectedSamples(7)
                .setRejectedBatches(2)
                .setNonFiniteSteps(1)
                .build();

        assertEquals(
                "  finished at step 120/120 after 1:35, 13% of it waiting for views"
                        + "; 7 unreadable sample(s) skipped (the workers' dead-letter topic has each reason)"
                        + "; 2 malformed view record(s) skipped"
                        + "; 1 step(s) with a NaN/inf loss skipped",
                Training.end(p), "a user learns at the end of a run how much of the input was not trained on");
    }

    @Test
    void theEndLineSaysHowMuchOfTheRunWentToWaitingForViews() {
        assertEquals(
                "  finished at step 120/120 after 1:35, 100% of it waiting for views",
                Training.end(finished().setInputWaitFraction(0.999).build()),
                "a trainer starved by its workers says so");
        assertEquals(
                "  finished at step 120/120 after 1:35, 0% of it waiting for views",
                Training.end(finished().setInputWaitFraction(0).build()),
                "a trainer that never waited is the bottleneck itself");
    }
}
