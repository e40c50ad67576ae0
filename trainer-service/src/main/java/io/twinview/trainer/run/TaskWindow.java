package io.twinview.trainer.run;

import io.twinview.proto.v1.AugmentTask;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The run's tasks in flight. Publishes the plan's next tasks while fewer than {@code windowTasks}
 * are open and none is a window ahead of the task the ordered pair stream waits for (the workers'
 * credit: they never run more than a window ahead of the trainer), offers
 * the open tasks for republishing when nothing has arrived or trained for the stall timeout (a
 * worker died with them, or none is running), and tells when every task is published and complete.
 */
final class TaskWindow {

    private final TaskPlan plan;
    private final TaskSink sink;
    private final int windowTasks;
    private final Duration stallTimeout;
    /** The task the ordered pair stream waits for ({@link BatchAssembler#frontierTask}). */
    private final LongSupplier frontier;

    private TaskLedger ledger = new TaskLedger();
    /** Last time a record was accepted or a step trained: silence beyond the stall timeout means lost tasks. */
    private long lastActivityNanos;

    /**
     * @param frontier the first task whose records are not all in the ordered pair stream: no task
     *     at or beyond {@code frontier + windowTasks} is published, so the records held until the
     *     ones in front of them arrive stay within the window
     */
    TaskWindow(
            TaskPlan plan,
            TaskSink sink,
            int windowTasks,
            Duration stallTimeout,
            long startNanos,
            LongSupplier frontier) {
        this.plan = plan;
        this.frontier = frontier;
        this.sink = sink;
        this.windowTasks = windowTasks;
        this.stallTimeout = stallTimeout;
        this.lastActivityNanos = startNanos;
    }

    /** Published tasks and their arrived records: replaced on resume, so never kept by callers. */
    TaskLedger ledger() {
        return ledger;
    }

    /** Continues with a ledger a checkpoint stored. */
    void restore(TaskLedger restored) {
        ledger = restored;
    }

    /** Publishes the next tasks of the plan, in one call to the sink, until the window is full. */
    void publish() {
        List<AugmentTask> batch = new ArrayList<>();
        while (ledger.openCount() < windowTasks
                && ledger.nextTaskId() < frontier.getAsLong() + windowTasks
                && ledger.nextTaskId() < plan.totalTasks()) {
            AugmentTask task = plan.task(ledger.nextTaskId());
            ledger.published(task.getTaskId(), plan.batchCount(task.getSampleIndicesCount()));
            batch.add(task);
        }
        if (!batch.isEmpty()) {
            sink.publish(batch);
        }
    }

    /** A record was accepted or a step trained: the run is not stalled. */
    void active(long nowNanos) {
        lastActivityNanos = nowNanos;
    }

    /** Every task of the plan is published and complete: no more views will come. */
    boolean exhausted() {
        return ledger.nextTaskId() >= plan.totalTasks() && ledger.openCount() == 0;
    }

    /** The open tasks to publish again, when some are open and the run has been silent for the stall timeout. */
    Optional<List<AugmentTask>> stalled(long nowNanos) {
        if (ledger.openCount() == 0 || nowNanos - lastActivityNanos < stallTimeout.toNanos()) {
            return Optional.empty();
        }
        return Optional.of(openTasks());
    }

    /** The published tasks whose records have not all arrived, in id order. */
    List<AugmentTask> openTasks() {
        List<AugmentTask> open = new ArrayList<>();
        for (long taskId : ledger.openTaskIds()) {
            if (taskId < plan.totalTasks()) {
                open.add(plan.task(taskId));
            }
        }
        return open;
    }

    /** When a record last arrived or a step last trained. */
    long lastActivityNanos() {
        return lastActivityNanos;
    }

    /** Publishes {@link #stalled} tasks again; the stall timeout starts over. */
    void republish(List<AugmentTask> tasks, long nowNanos) {
        sink.publish(tasks);
        lastActivityNanos = nowNanos;
    }
}
