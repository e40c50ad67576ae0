package io.twinview.trainer.method;

/** The moving-average rate of a {@link MomentumTwins} network over a run. */
@FunctionalInterface
public interface TauSchedule {

    /**
     * @param k optimizer steps taken before this update (0 for the update after the first step)
     * @param totalSteps K, the run's steps
     */
    double at(long k, long totalSteps);

    /** MoCo's momentum m, the same at every step (He et al. 2020, eq. 2). */
    static TauSchedule constant(double m) {
        return (k, totalSteps) -> m;
    }

    /**
     * BYOL sec. 3.2 (Grill et al. 2020, https://arxiv.org/abs/2006.07733):
     * tau_k = 1 - (1 - tau_base) (cos(pi k / K) + 1) / 2, from tau_base at k = 0 to 1 at k = K.
     */
    static TauSchedule cosine(double base) {
        return (k, totalSteps) -> 1 - (1 - base) * (Math.cos(Math.PI * k / totalSteps) + 1) / 2;
    }
}
