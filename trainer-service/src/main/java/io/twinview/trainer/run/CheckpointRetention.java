package io.twinview.trainer.run;

import io.twinview.core.checkpoint.CheckpointStore;
import io.twinview.core.storage.ObjectInfo;
import io.twinview.proto.v1.EvalReport;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeSet;
import org.jboss.logging.Logger;

/**
 * Deletes the checkpoints of a run its {@link RetentionPolicy} does not keep, after every published
 * checkpoint and at the run's end: it keeps the newest {@code keep_last}, the {@code keep_best} with
 * the highest score, and always the newest (the one the run resumes from, and at the end its final
 * one); the rest go whole, manifest first ({@link CheckpointStore#delete}). It also deletes the
 * run's orphaned partial checkpoints ({@link CheckpointStore#orphans}).
 *
 * <p>A checkpoint's score is the best k-NN top-1 of the SSL encoder among the eval-service's
 * reports stored beside it; a checkpoint without a report, or with only failed ones, scores
 * nothing and is kept only as one of the newest. A failure to list or delete is logged and tried
 * again at the next checkpoint: retention never fails a run.
 */
public final class CheckpointRetention implements RunListener {

    private static final Logger LOG = RunExecution.LOG;

    /** What one pass deleted. */
    public record Pruned(List<Long> checkpoints, List<Long> orphans) {}

    private final CheckpointStore store;
    private final RetentionPolicy policy;
    private final Map<ObjectInfo, Optional<Double>> reportScores = new HashMap<>();

    public CheckpointRetention(CheckpointStore store, RetentionPolicy policy) {
        this.store = store;
        this.policy = policy;
    }

    @Override
    public void onCheckpointPublished(RunExecution run, long publishNanos) {
        pruneQuietly(run.runId());
    }

    @Override
    public void onEnd(RunExecution run, RunExecution.End end) {
        pruneQuietly(run.runId());
    }

    private void pruneQuietly(String runId) {
        try {
            prune(runId);
        } catch (RuntimeException e) {
            LOG.warnf("run %s: retention left checkpoints in place this time: %s", runId, e.getMessage());
        }
    }

    /** Deletes what the policy does not keep and the orphans; returns the steps deleted. */
    public Pruned prune(String runId) {
        SortedMap<Long, List<ObjectInfo>> folders = store.folders(runId); // one listing
        List<Long> steps = folders.entrySet().stream()
                .filter(folder -> CheckpointStore.hasManifest(folder.getValue()))
                .map(Map.Entry::getKey)
                .sorted(Comparator.reverseOrder())
                .toList();
        boolean scored = !policy.keepsAll() && policy.keepBest() > 0 && steps.size() > policy.keepLast();
        Set<Long> keep = keep(steps, scored ? scores(folders) : Map.of());
        List<Long> deleted = new ArrayList<>();
        for (long step : folders.keySet()) {
            if (steps.contains(step) && !keep.contains(step)) {
                store.delete(runId, step);
                deleted.add(step);
            }
        }
        List<Long> orphans = CheckpointStore.orphans(folders);
        for (long step : orphans) {
            int objects = store.delete(runId, step);
            LOG.infof(
                    "run %s: deleted the orphaned partial checkpoint of step %d (%d objects, no manifest)",
                    runId, step, objects);
        }
        if (!deleted.isEmpty()) {
            LOG.infof(
                    "run %s: retention (keep_last %d, keep_best %d) deleted checkpoints %s, kept %s",
                    runId, policy.keepLast(), policy.keepBest(), deleted, keep);
        }
        return new Pruned(deleted, orphans);
    }

    /**
     * The steps kept of {@code steps} (newest first): the newest, the newest {@code keep_last}, and the
     * {@code keep_best} highest-scoring (a tie goes to the newer step).
     */
    Set<Long> keep(List<Long> steps, Map<Long, Double> scores) {
        Set<Long> keep = new TreeSet<>();
        if (steps.isEmpty()) {
            return keep;
        }
        if (policy.keepsAll()) {
            keep.addAll(steps);
            return keep;
        }
        keep.add(steps.get(0));
        keep.addAll(steps.subList(0, Math.min(policy.keepLast(), steps.size())));
        steps.stream()
                .filter(scores::containsKey)
                .sorted(Comparator.comparing((Long step) -> scores.get(step))
                        .thenComparing(step -> step)
                        .reversed())
                .limit(policy.keepBest())
                .forEach(keep::add);
        return keep;
    }

    /**
     * Each evaluated step's score: the best k-NN top-1 of the SSL encoder among its reports. A report
     * is read once (then remembered by key and size) however many checkpoints the run publishes.
     */
    private Map<Long, Double> scores(SortedMap<Long, List<ObjectInfo>> folders) {
        Map<Long, Double> scores = new HashMap<>();
        Set<ObjectInfo> listed = new HashSet<>();
        folders.values().forEach(listed::addAll);
        reportScores.keySet().retainAll(listed); // forget the reports of deleted checkpoints
        folders.forEach((step, objects) -> objects.stream()
                .filter(CheckpointStore::isReport)
                .map(report -> reportScores.computeIfAbsent(report, this::score))
                .flatMap(Optional::stream)
                .forEach(score -> scores.merge(step, score, Math::max)));
        return scores;
    }

    /** The report's score; none for a failed report, one without SSL scores, or one that does not parse. */
    private Optional<Double> score(ObjectInfo report) {
        return store.report(report.key())
                .filter(EvalReport::hasSsl)
                .map(r -> r.getSsl().getKnnTop1())
                .filter(Double::isFinite);
    }
}
