package io.twinview.augment.kafka;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of one worker, read from any thread (health check, logs, tests). */
public final class WorkerStats {

    private final AtomicLong tasksCompleted = new AtomicLong();
    private final AtomicLong tasksSkipped = new AtomicLong();
    private final AtomicLong batchesProduced = new AtomicLong();
    private final AtomicLong samplesAugmented = new AtomicLong();
    private final AtomicLong produceFailures = new AtomicLong();
    private volatile String lastSkip;

    /** A task's views all acknowledged and its offset committed (or the commit attempted). */
    void completed(int batches, int samples) {
        tasksCompleted.incrementAndGet();
        batchesProduced.addAndGet(batches);
        samplesAugmented.addAndGet(samples);
    }

    /** A task record that cannot be worked on; {@code where} is topic-partition@offset. */
    void skipped(String where, String reason) {
        tasksSkipped.incrementAndGet();
        lastSkip = where + ": " + reason;
    }

    /** An attempt at a task whose views did not all reach the broker (it is read again). */
    void produceFailed() {
        produceFailures.incrementAndGet();
    }

    public Snapshot snapshot() {
        return new Snapshot(tasksCompleted.get(), tasksSkipped.get(), batchesProduced.get(), samplesAugmented.get(),
                produceFailures.get(), lastSkip);
    }

    /**
     * @param tasksCompleted   tasks whose every ViewBatch was acknowledged
     * @param tasksSkipped     task records skipped as unusable (unparsable, invalid fields, unreadable dataset)
     * @param batchesProduced  ViewBatch records acknowledged, over completed tasks
     * @param samplesAugmented samples of completed tasks (two views each)
     * @param produceFailures  task attempts that failed to produce and were retried
     * @param lastSkip         where and why the last skipped task was skipped, or null
     */
    public record Snapshot(long tasksCompleted, long tasksSkipped, long batchesProduced, long samplesAugmented,
                           long produceFailures, String lastSkip) {

        @Override
        public String toString() {
            return tasksCompleted + " tasks done (" + batchesProduced + " batches, " + samplesAugmented + " samples), "
                    + tasksSkipped + " skipped, " + produceFailures + " produce failures";
        }
    }
}
