package io.twinview.augment.kafka;

import io.twinview.proto.v1.ViewBatch;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The trainer's duplicate dropping, mirrored: {@code TaskLedger} (trainer-service) is package-private
 * in a module this one must not depend on. A record is new when its (task_id, sequence) was not seen.
 */
final class ViewDedup {
    private final Set<List<Long>> seen = new HashSet<>();
    private final List<Long> samples = new ArrayList<>();
    private final Map<Long, Integer> sequences = new HashMap<>();
    private final Map<String, Map<Long, Integer>> byWorker = new HashMap<>();
    private long duplicates;

    void accept(ViewBatch batch) {
        byWorker.computeIfAbsent(batch.getWorkerId(), w -> new TreeMap<>()).merge(batch.getTaskId(), 1, Integer::sum);
        if (!seen.add(List.of(batch.getTaskId(), (long) batch.getSequence()))) {
            duplicates++;
            return;
        }
        sequences.merge(batch.getTaskId(), 1, Integer::sum);
        samples.addAll(batch.getSampleIndicesList());
    }

    /** Samples of the distinct records, in arrival order. */
    List<Long> samples() {
        return samples;
    }

    /** Distinct sequences of a task that arrived. */
    int sequencesOf(long taskId) {
        return sequences.getOrDefault(taskId, 0);
    }

    /** Records (duplicates included) a worker produced, by task. */
    Map<Long, Integer> recordsBy(String workerId) {
        return byWorker.getOrDefault(workerId, Map.of());
    }

    /** The workers that produced records of a task. */
    Set<String> workersOf(long taskId) {
        Set<String> workers = new HashSet<>();
        byWorker.forEach((worker, tasks) -> {
            if (tasks.containsKey(taskId)) {
                workers.add(worker);
            }
        });
        return workers;
    }

    long duplicates() {
        return duplicates;
    }
}
