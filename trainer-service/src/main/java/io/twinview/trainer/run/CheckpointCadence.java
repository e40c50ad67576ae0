package io.twinview.trainer.run;

import io.twinview.trainer.train.Stepper;

/**
 * When a run checkpoints: every {@code everySteps} steps, at the last step, and at the step where
 * the views ran out or the run was preempted if that step has none yet.
 */
final class CheckpointCadence implements RunListener {

    private final long everySteps;

    CheckpointCadence(long everySteps) {
        this.everySteps = everySteps;
    }

    @Override
    public void onStep(RunExecution run, Stepper.StepResult result) {
        boolean last = run.step() == run.totalSteps();
        if (run.step() % everySteps == 0 || last) {
            run.checkpoint(last);
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
