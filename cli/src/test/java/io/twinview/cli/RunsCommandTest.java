package io.twinview.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import io.twinview.proto.v1.Run;
import io.twinview.proto.v1.RunProgress;
import io.twinview.proto.v1.RunSpec;
import io.twinview.proto.v1.RunState;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunsCommandTest {

    @Test
    void statesAreTypedShortInAnyCaseOrByTheirProtoName() {
        assertEquals(
                List.of(RunState.RUN_STATE_PENDING, RunState.RUN_STATE_CANCELLED, RunState.RUN_STATE_RUNNING),
                RunsCommand.parseStates(List.of("pending", "CANCELLED", "RUN_STATE_RUNNING")),
                "pending, CANCELLED and RUN_STATE_RUNNING name three states");
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> RunsCommand.parseStates(List.of("queued")));
        assertEquals(
                "--state 'queued' is not a run state; one of pending, running, succeeded, failed, stopped, cancelled",
                e.getMessage(),
                "the error names the flag, the value and the states there are");
        assertThrows(
                IllegalArgumentException.class,
                () -> RunsCommand.parseStates(List.of("unspecified")),
                "the proto's zero value is not a state a run is in");
    }

    @Test
    void aLinePerRunWithItsQueuePositionOrItsError() {
        Run queued = Run.newBuilder()
                .setRunId("r-queued")
                .setState(RunState.RUN_STATE_PENDING)
                .setSpec(RunSpec.newBuilder().setMethod("byol").setEncoder("resnet18-imagenet"))
                .setProgress(RunProgress.newBuilder().setQueuePosition(2))
                .setCreatedAt(Timestamp.newBuilder().setSeconds(1_796_000_000L))
                .build();
        Run failed = Run.newBuilder()
                .setRunId("r-failed")
                .setState(RunState.RUN_STATE_FAILED)
                .setSpec(RunSpec.newBuilder().setMethod("simclr").setEncoder("small"))
                .setProgress(RunProgress.newBuilder().setStep(7).setTotalSteps(40))
                .setError("loss is NaN at step 7")
                .build();
        List<String> lines = RunsCommand.table(List.of(queued, failed));
        assertEquals(3, lines.size(), "a header and a line per run: " + lines);
        assertTrue(lines.get(0).startsWith("RUN "), "the header first: " + lines.get(0));
        assertTrue(
                lines.get(1)
                        .matches(
                                "r-queued +pending +byol +resnet18-imagenet +0 +2026-\\d\\d-\\d\\d .* queue position 2"),
                "a queued run shows its queue position: " + lines.get(1));
        assertTrue(
                lines.get(2).matches("r-failed +failed +simclr +small +7/40 +- +loss is NaN at step 7"),
                "a failed run shows its step of total and its error: " + lines.get(2));
        assertEquals(List.of("no runs"), RunsCommand.table(List.of()), "an empty list says so");
    }
}
