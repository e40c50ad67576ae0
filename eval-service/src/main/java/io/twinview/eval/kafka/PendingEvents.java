package io.twinview.eval.kafka;

import io.twinview.proto.v1.CheckpointEvent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which of the checkpoint events that waited together to evaluate: by default every checkpoint, once.
 * With {@code twinview.eval.skip-superseded}, per run only the newest step and every event marked final
 * (never skipped): intermediate events of a run with a newer one waiting count as stale, for an
 * evaluator too slow to keep up with a run's checkpoints.
 */
final class PendingEvents {

    private PendingEvents() {}

    /**
     * @param events          in arrival order
     * @param skipSuperseded  drop a run's intermediate events that have a newer one waiting
     * @return the events to evaluate: runs in order of first arrival, steps ascending within a run,
     *     one event per (run, step)
     */
    static List<CheckpointEvent> select(List<CheckpointEvent> events, boolean skipSuperseded) {
        Map<String, List<CheckpointEvent>> byRun = new LinkedHashMap<>();
        for (CheckpointEvent event : events) {
            byRun.computeIfAbsent(event.getRunId(), run -> new ArrayList<>()).add(event);
        }
        List<CheckpointEvent> selected = new ArrayList<>();
        for (List<CheckpointEvent> run : byRun.values()) {
            TreeMap<Long, CheckpointEvent> chosen = new TreeMap<>();
            for (CheckpointEvent event : run) {
                if (event.getFinal()) {
                    chosen.putIfAbsent(event.getStep(), event); // a final event wins over a plain one of its step
                }
            }
            if (skipSuperseded) {
                CheckpointEvent newest = run.stream()
                        .max(Comparator.comparingLong(CheckpointEvent::getStep))
                        .orElseThrow();
                chosen.putIfAbsent(newest.getStep(), newest);
            } else {
                run.forEach(event -> chosen.putIfAbsent(event.getStep(), event));
            }
            selected.addAll(chosen.values());
        }
        return selected;
    }
}
