package io.twinview.augment.kafka;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** Counters of one worker, read from any thread (health check, logs, tests). */
public final class WorkerStats {

    private final AtomicLong tasksCompleted = new AtomicLong();
    private final AtomicLong tasksSkipped = new AtomicLong();
    private final AtomicLong batchesProduced = new AtomicLong();
    private final AtomicLong samplesAugmented = new AtomicLong();
    private final AtomicLong produceFailures = new AtomicLong();
    private final AtomicLong samplesRejected = new AtomicLong();
    private final AtomicLong tasksAbandoned = new AtomicLong();
    private final AtomicLong taskNanos = new AtomicLong();
    private final AtomicInteger partitions = new AtomicInteger();
    private volatile String lastSkip;
    private volatile String lastRejection;

    /**
     * A task's views all acknowledged and its offset committed (or the commit attempted).
     *
     * @param nanos how long the task took, from its record in hand to its last acknowledgement
     */
    void completed(int batches, int samples, long nanos) {
        taskNanos.addAndGet(nanos);
        tasksCompleted.incrementAndGet();
        batchesProduced.addAndGet(batches);
        samplesAugmented.addAndGet(samples);
    }

    /**
     * Samples of a completed task that could not be read: sent to the dead-letter topic, listed in
     * the task's ViewBatches. {@code last} says which and why, for the logs.
     */
    void rejected(int samples, String last) {
        if (samples > 0) {
            samplesRejected.addAndGet(samples);
            lastRejection = last;
        }
    }

    /** A task record that cannot be worked on; {@code where} is topic-partition@offset. */
    void skipped(String where, String reason) {
        tasksSkipped.incrementAndGet();
        lastSkip = where + ": " + reason;
    }

    /** A task left part-way, uncommitted, because the worker is stopping (another worker redoes it). */
    void abandoned() {
        tasksAbandoned.incrementAndGet();
    }

    /** Partitions of the tasks topic the worker holds now. */
    void assigned(int count) {
        partitions.set(count);
    }

    /** Partitions of the tasks topic the worker holds now (0 before it joined the group). */
    public int partitions() {
        return partitions.get();
    }

    /** Tasks abandoned by a stopping worker. */
    public long tasksAbandoned() {
        return tasksAbandoned.get();
    }

    /** Seconds spent on completed tasks, summed. */
    public double taskSeconds() {
        return taskNanos.get() / 1e9;
    }

    /** An attempt at a task whose views did not all reach the broker (it is read again). */
    void produceFailed() {
        produceFailures.incrementAndGet();
    }

    public Snapshot snapshot() {
        return new Snapshot(
                tasksCompleted.get(),
                tasksSkipped.get(),
                batchesProduced.get(),
                samplesAugmented.get(),
                produceFailures.get(),
                lastSkip,
                samplesRejected.get(),
                lastRejection);
    }

    /**
     * @param tasksCompleted   tasks whose every ViewBatch was acknowledged
     * @param tasksSkipped     task records skipped as unusable (unparsable, invalid fields, unreadable dataset)
     * @param batchesProduced  ViewBatch records acknowledged, over completed tasks
     * @param samplesAugmented samples of completed tasks with views (two each)
     * @param produceFailures  task attempts that failed to produce and were retried
     * @param lastSkip         where and why the last skipped task was skipped, or null
     * @param samplesRejected  samples of completed tasks whose image could not be read (dead-lettered, not in samplesAugmented)
     * @param lastRejection    which sample was last rejected and why, or null
     */
    public record Snapshot(
            long tasksCompleted,
            long tasksSkipped,
            long batchesProduced,
            long samplesAugmented,
            long produceFailures,
            String lastSkip,
            long samplesRejected,
            String lastRejection) {

        @Override
        public String toString() {
            return tasksCompleted + " tasks done (" + batchesProduced + " batches, " + samplesAugmented + " samples), "
                    + tasksSkipped + " skipped, " + produceFailures + " produce failures, " + samplesRejected
                    + " samples rejected";
        }
    }
}
