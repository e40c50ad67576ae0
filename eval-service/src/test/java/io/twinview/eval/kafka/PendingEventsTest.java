package io.twinview.eval.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.twinview.proto.v1.CheckpointEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

class PendingEventsTest {

    private static final boolean EVERY = false;
    private static final boolean SKIP = true;

    @Test
    void evaluatesEveryCheckpointOnceByDefault() {
        List<CheckpointEvent> selected = PendingEvents.select(
                List.of(
                        event("a", 300, false),
                        event("a", 100, false),
                        event("b", 10, true),
                        event("a", 200, false),
                        event("a", 100, false)),
                EVERY);
        assertEquals(
                List.of("a@100", "a@200", "a@300", "b@10"),
                names(selected),
                "without skip-superseded every (run, step) waiting is evaluated once: runs in arrival order,"
                        + " steps ascending, the redelivered a@100 once");
    }

    @Test
    void aFinalEventWinsOverAPlainOneOfItsStep() {
        List<CheckpointEvent> selected =
                PendingEvents.select(List.of(event("a", 200, false), event("a", 200, true)), EVERY);
        assertEquals(1, selected.size(), "one evaluation per (run, step)");
        assertEquals(
                true,
                selected.get(0).getFinal(),
                "the final event is the one kept, so a deleted final checkpoint" + " still gets its failed report");
    }

    @Test
    void skipSupersededEvaluatesOnlyTheNewestEventOfARun() {
        List<CheckpointEvent> selected = PendingEvents.select(
                List.of(event("a", 100, false), event("a", 200, false), event("a", 300, false)), SKIP);
        assertEquals(List.of("a@300"), names(selected), "stale intermediate checkpoints of a run are skipped");
    }

    @Test
    void skipSupersededNeverSkipsAFinalEvent() {
        List<CheckpointEvent> selected = PendingEvents.select(
                List.of(
                        event("a", 100, false),
                        event("a", 500, true),
                        event("b", 10, false),
                        event("a", 20, true),
                        event("b", 30, false)),
                SKIP);
        assertEquals(
                List.of("a@20", "a@500", "b@30"),
                names(selected),
                "every final event is kept (here a@20 of an earlier attempt and a@500), plus each run's newest;"
                        + " runs in arrival order, steps ascending");
    }

    @Test
    void skipSupersededEvaluatesAFinalEventThatIsAlsoTheNewestOnce() {
        List<CheckpointEvent> selected = PendingEvents.select(
                List.of(event("a", 100, false), event("a", 200, true), event("a", 200, true)), SKIP);
        assertEquals(List.of("a@200"), names(selected), "one evaluation per (run, step), duplicates dropped");
    }

    @Test
    void skipSupersededKeepsNewerNonFinalEventsAfterAFinalOne() {
        List<CheckpointEvent> selected =
                PendingEvents.select(List.of(event("a", 200, true), event("a", 300, false)), SKIP);
        assertEquals(List.of("a@200", "a@300"), names(selected), "a resumed run's newer checkpoint is evaluated too");
    }

    private static CheckpointEvent event(String run, long step, boolean last) {
        return CheckpointEvent.newBuilder()
                .setRunId(run)
                .setStep(step)
                .setFinal(last)
                .build();
    }

    private static List<String> names(List<CheckpointEvent> events) {
        return events.stream().map(e -> e.getRunId() + "@" + e.getStep()).toList();
    }
}
