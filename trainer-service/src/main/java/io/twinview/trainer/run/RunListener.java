package io.twinview.trainer.run;

import io.twinview.trainer.train.Stepper;

/**
 * Something that reacts to a run's loop without being part of it: warnings, collapse monitors,
 * checkpoint cadence, progress. After DJL's {@code ai.djl.training.listener.TrainingListener}:
 * the loop calls every registered listener, in registration order, with the execution as the
 * context to read (and, within this package, act on). Every callback runs on the training thread.
 */
public interface RunListener {

    /** The loop is about to start (after any resume). */
    default void onBegin(RunExecution run) {}

    /** A step was taken: the run's step, pairs and counters include it. */
    default void onStep(RunExecution run, Stepper.StepResult result) {}

    /**
     * A checkpoint of the current step is being made (its state is finite): what a listener
     * sets on the run now is written into it.
     */
    default void onCheckpoint(RunExecution run) {}

    /** The checkpoint of the current step is stored and announced, which took {@code publishNanos}. */
    default void onCheckpointPublished(RunExecution run, long publishNanos) {}

    /** Nothing arrived and nothing trained for the stall timeout: the open tasks were published again. */
    default void onStall(RunExecution run) {}

    /** The loop ended, for that reason; not called when a step throws. */
    default void onEnd(RunExecution run, RunExecution.End end) {}
}
