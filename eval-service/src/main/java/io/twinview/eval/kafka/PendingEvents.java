package io.twinview.eval.kafka;

import io.twinview.proto.v1.CheckpointEvent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which of the checkpoint events that waited together to evaluate: per run, the newest step, and
 * every event marked final (never skipped). Intermediate events of a run with a newer one waiting
 * are stale: their checkpoints are superseded before they could be probed.
 */
final class PendingEvents {

    private PendingEvents() {}

    /**
     * @param events in arrival order
     * @return the events to evaluate: runs in order of first arrival, steps ascending within a run,
     *     one event per (run, step)
     */
    static List<CheckpointEvent> select(List<CheckpointEvent> events) {
        Map<String, List<CheckpointEvent>> byRun = new LinkedHashMap<>();
        for (CheckpointEvent event : events) {
            byRun.computeIfAbsent(event.getRunId(), run -> new ArrayList<>()).add(event);
        }
        List<CheckpointEvent> selected = new ArrayList<>();
        for (List<CheckpointEvent> run : byRun.values()) {
            TreeMap<Long, CheckpointEvent> chosen = new TreeMap<>();
            for (CheckpointEvent event : run) {
                if (event.getFinal()) {
                    chosen.putIfAbsent(event.getStep(), event);
                }
            }
            CheckpointEvent newest = run.stream()
                    .max(Comparator.comparingLong(CheckpointEvent::getStep))
                    .orElseThrow();
            chosen.putIfAbsent(newest.getStep(), newest);
            selected.addAll(chosen.values());
        }
        return selected;
    }
}
