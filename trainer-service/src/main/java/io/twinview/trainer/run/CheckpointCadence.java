package io.twinview.trainer.run;

import io.twinview.trainer.train.Stepper;
import java.util.function.LongSupplier;

/**
 * When a run checkpoints: every {@code everySteps} steps, but no sooner than {@code minIntervalNanos}
 * after the previous periodic checkpoint (or the start), so that a tiny {@code checkpoint_every_steps}
 * cannot flood object storage and the checkpoints topic (the step is then skipped, the next multiple
 * of {@code everySteps} tried again); at the last step; and at the step where the views ran out or
 * the run was preempted if that step has none yet.
 */
final class CheckpointCadence implements RunListener {

    private final long everySteps;
    private final long minIntervalNanos;
    private final LongSupplier clock;
    private long lastNanos;

    CheckpointCadence(long everySteps, long minIntervalNanos, LongSupplier clock) {
        this.everySteps = everySteps;
        this.minIntervalNanos = minIntervalNanos;
        this.clock = clock;
        this.lastNanos = clock.getAsLong();
    }

    @Override
    public void onStep(RunExecution run, Stepper.StepResult result) {
        boolean last = run.step() == run.totalSteps();
        long now = clock.getAsLong();
        boolean due = run.step() % everySteps == 0 && now - lastNanos >= minIntervalNanos;
        if (due || last) {
            run.checkpoint(last);
            lastNanos = now;
        }
    }

    @Override
    public void onEnd(RunExecution run, RunExecution.End end) {
        boolean endsHere = end == RunExecution.End.VIEWS_EXHAUSTED || end == RunExecution.End.PREEMPTED;
        if (endsHere && run.lastCheckpointStep() < run.step()) {
            run.checkpoint(end == RunExecution.End.VIEWS_EXHAUSTED); // a preempted run goes on elsewhere
        }
    }
}
