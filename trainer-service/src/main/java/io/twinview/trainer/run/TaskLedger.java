package io.twinview.trainer.run;

import java.util.BitSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongToIntFunction;

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
     * The ledger of a run resumed at a position of its ordered pair stream: every record before
     * record {@code sequence} of task {@code taskId} was trained, every other is read again from
     * the views topic. Tasks from there up to {@code nextTaskId} are open.
     *
     * @param nextTaskId every task below it was published by an earlier process
     * @param recordCount records in each task of the plan
     */
    static TaskLedger resumeAt(long nextTaskId, long taskId, int sequence, LongToIntFunction recordCount) {
        TaskLedger ledger = new TaskLedger();
        ledger.nextTaskId = Math.max(nextTaskId, sequence > 0 ? taskId + 1 : taskId);
        for (long task = taskId; task < ledger.nextTaskId; task++) {
            Open restored = new Open(recordCount.applyAsInt(task));
            if (task == taskId) {
                restored.seen.set(0, sequence);
            }
            ledger.open.put(task, restored);
        }
        return ledger;
    }
}
