package io.twinview.trainer.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import java.util.OptionalDouble;

/**
 * The predictor of a {@link PredictorMethod}, p = h(z) on the online side: learned by gradient
 * (BYOL, SimSiam: {@link LearnedPredictor}) or computed from the statistics of its inputs
 * (DirectPred: {@link DirectPredictor}).
 */
interface Predictor {

    /** The block p = h(z), (N, d) to (N, d). */
    Block block();

    /** Whether the optimizer trains it; a computed predictor is saved with the target blocks instead. */
    boolean learned();

    /** Its learning rate relative to the rest of the network; 1 for none. */
    default double learningRateScale() {
        return 1;
    }

    /** Whether it keeps the peak learning rate instead of following the schedule. */
    default boolean fixedLearningRate() {
        return false;
    }

    /**
     * Sees a batch's predictor inputs and outputs, inside the caller's gradient collector.
     *
     * @param z1 (N, d) online projections of view 1 (they carry gradient)
     * @param z2 (N, d) online projections of view 2
     * @param p1 (N, d) predictions of view 1
     * @param z1Rows z1 copied to the host, row-major
     */
    void observe(NDArray z1, NDArray z2, NDArray p1, float[] z1Rows);

    /** After each optimizer step; {@code step} counts from 1. */
    default void afterStep(long step, long totalSteps) {}

    /** How far its eigenbasis agrees with that of its input correlation F; empty until it can be told. */
    OptionalDouble alignment();

    /** State beyond its parameters, as named arrays. */
    default NDList state() {
        return new NDList();
    }

    default void loadState(NDList state) {
        if (!state.isEmpty()) {
            throw new IllegalArgumentException(
                    getClass().getSimpleName() + " keeps no state, got " + state.size() + " arrays");
        }
    }
}
