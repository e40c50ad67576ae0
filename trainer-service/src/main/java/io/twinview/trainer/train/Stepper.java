package io.twinview.trainer.train;

/** What a run needs of its model: optimizer steps, and a state to checkpoint and restore. */
public interface Stepper {

    /**
     * @param finite false when the loss or a gradient was NaN or infinite: the update was skipped
     * @param cause what was not finite ("the loss", "the gradient of encoder/01Conv2d_weight"); empty when finite
     */
    record StepResult(double loss, boolean finite, String cause) {

        public static StepResult finite(double loss) {
            return new StepResult(loss, true, "");
        }

        public static StepResult skipped(double loss, String cause) {
            return new StepResult(loss, false, cause);
        }
    }

    /**
     * Forward, backward and update on one batch.
     *
     * @param step number of this step, from 1
     */
    StepResult step(PairBatch batch, double learningRate, long step, long totalSteps);

    TrainingState state();

    /** Collapse monitors on the last batch. */
    io.twinview.core.monitor.CollapseMonitor.Reading monitors();

    void restore(TrainingState state);

    /** The first weight, statistic or method-state array holding a NaN or infinity, if any: such a state is never checkpointed. */
    default java.util.Optional<String> nonFinite() {
        return java.util.Optional.empty();
    }
}
