package io.twinview.trainer.run;

import io.twinview.proto.v1.TaskProgress;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which tasks are published, which of their records arrived, which are complete. Drops duplicate
 * (task id, sequence) records (a worker that died after producing but before committing makes
 * another worker redo its task) and counts open tasks for the publishing window.
 */
final class TaskLedger {

    /** A record's fate. */
    enum Verdict {
        NEW,
        DUPLICATE
    }

    private static final class Open {
        final int batchCount;
        final BitSet seen = new BitSet();

        Open(int batchCount) {
            this.batchCount = batchCount;
        }

        boolean complete() {
            return seen.cardinality() >= batchCount;
        }
    }

    private long nextTaskId;
    private final Map<Long, Open> open = new TreeMap<>();

    long nextTaskId() {
        return nextTaskId;
    }

    /**
     * Tasks published by this process and not complete: the credit they hold. A task seen in
     * records before this process published it (a resumed run reading what the previous process
     * published, or a forged record naming a later task of the plan) holds none: it would keep the
     * window shut in front of its own publication, and forged records could shut it for good.
     */
    int openCount() {
        return openTaskIds().size();
    }

    /** The published, incomplete tasks, in id order. */
    Set<Long> openTaskIds() {
        Set<Long> ids = new TreeSet<>();
        open.forEach((taskId, task) -> {
            if (taskId < nextTaskId && !task.complete()) {
                ids.add(taskId);
            }
        });
        return ids;
    }

    void published(long taskId, int batchCount) {
        if (taskId >= nextTaskId) {
            nextTaskId = taskId + 1;
            Open early = open.get(taskId);
            if (early == null) {
                open.put(taskId, new Open(batchCount));
            } else if (early.complete()) {
                open.remove(taskId); // all its records arrived before this process published it (resume)
            }
        }
    }

    /**
     * Records one arrival. Records of tasks beyond {@link #nextTaskId} are accepted: they were
     * published by this run before a restart and are as good as any.
     */
    Verdict accept(long taskId, int sequence, int batchCount) {
        Open task = open.get(taskId);
        if (task == null) {
            if (taskId < nextTaskId) {
                return Verdict.DUPLICATE; // the task completed already
            }
            task = new Open(batchCount);
            open.put(taskId, task);
        }
        if (task.seen.get(sequence)) {
            return Verdict.DUPLICATE;
        }
        task.seen.set(sequence);
        if (task.complete() && taskId < nextTaskId) {
            open.remove(taskId);
        }
        return Verdict.NEW;
    }

    /**
     * The ledger as a checkpoint stores it: records still waiting to be trained on are left out,
     * because a resumed trainer reads them again from the views topic. A task complete here but
     * with untrained records is stored as open without those records.
     *
     * @param untrained by task id: its batch count and the sequences not yet entirely trained on
     */
    List<TaskProgress> snapshot(Map<Long, Untrained> untrained) {
        Map<Long, TaskProgress> tasks = new TreeMap<>();
        open.forEach((taskId, task) -> {
            Untrained pending = untrained.get(taskId);
            tasks.put(
                    taskId, progress(taskId, task.batchCount, task.seen, pending == null ? null : pending.sequences()));
        });
        untrained.forEach((taskId, pending) -> {
            if (!tasks.containsKey(taskId)) {
                BitSet all = new BitSet();
                all.set(0, pending.batchCount());
                tasks.put(taskId, progress(taskId, pending.batchCount(), all, pending.sequences()));
            }
        });
        return new ArrayList<>(tasks.values());
    }

    /** Sequences of one task that are not yet entirely trained on. */
    record Untrained(int batchCount, BitSet sequences) {}

    /** A ledger as a checkpoint stored it. */
    static TaskLedger restore(long nextTaskId, List<TaskProgress> openTasks) {
        TaskLedger ledger = new TaskLedger();
        ledger.nextTaskId = nextTaskId;
        for (TaskProgress task : openTasks) {
            Open restored = new Open(task.getBatchCount());
            task.getSeenSequencesList().forEach(restored.seen::set);
            ledger.open.put(task.getTaskId(), restored);
        }
        return ledger;
    }

    private static TaskProgress progress(long taskId, int batchCount, BitSet seen, BitSet untrained) {
        TaskProgress.Builder progress =
                TaskProgress.newBuilder().setTaskId(taskId).setBatchCount(batchCount);
        for (int seq = seen.nextSetBit(0); seq >= 0; seq = seen.nextSetBit(seq + 1)) {
            if (untrained == null || !untrained.get(seq)) {
                progress.addSeenSequences(seq);
            }
        }
        return progress.build();
    }
}
