package io.twinview.trainer.optim;

/**
 * Linear warmup from 0 to the peak, then cosine decay to 0 at the last step (SGDR without
 * restarts, Loshchilov and Hutter, https://arxiv.org/abs/1608.03983), or constant after warmup.
 *
 * @param peak learning rate reached at the end of warmup
 * @param warmupSteps steps of linear warmup
 * @param totalSteps steps of the whole run
 * @param cosine cosine decay after warmup when true, constant otherwise
 */
public record LearningRateSchedule(double peak, long warmupSteps, long totalSteps, boolean cosine) {

    /** The learning rate of step {@code step}, counted from 0. */
    public double at(long step) {
        if (step < warmupSteps) {
            return peak * (step + 1) / warmupSteps;
        }
        if (!cosine || totalSteps <= warmupSteps) {
            return peak;
        }
        double progress = (double) (step - warmupSteps) / (totalSteps - warmupSteps);
        return peak * 0.5 * (1 + Math.cos(Math.PI * Math.min(1.0, progress)));
    }
}
