package io.twinview.eval.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.twinview.proto.v1.CheckpointEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

class PendingEventsTest {

    @Test
    void evaluatesOnlyTheNewestEventOfARun() {
        List<CheckpointEvent> selected =
                PendingEvents.select(List.of(event("a", 100, false), event("a", 200, false), event("a", 300, false)));
        assertEquals(List.of("a@300"), names(selected), "stale intermediate checkpoints of a run are skipped");
    }

    @Test
    void neverSkipsAFinalEvent() {
        List<CheckpointEvent> selected = PendingEvents.select(List.of(
                event("a", 100, false),
                event("a", 500, true),
                event("b", 10, false),
                event("a", 20, true),
                event("b", 30, false)));
        assertEquals(
                List.of("a@20", "a@500", "b@30"),
                names(selected),
                "every final event is kept (here a@20 of an earlier attempt and a@500), plus each run's newest;"
                        + " runs in arrival order, steps ascending");
    }

    @Test
    void aFinalEventThatIsAlsoTheNewestIsEvaluatedOnce() {
        List<CheckpointEvent> selected =
                PendingEvents.select(List.of(event("a", 100, false), event("a", 200, true), event("a", 200, true)));
        assertEquals(List.of("a@200"), names(selected), "one evaluation per (run, step), duplicates dropped");
    }

    @Test
    void keepsNewerNonFinalEventsAfterAFinalOne() {
        List<CheckpointEvent> selected = PendingEvents.select(List.of(event("a", 200, true), event("a", 300, false)));
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
