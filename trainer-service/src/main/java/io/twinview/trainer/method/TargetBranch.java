package io.twinview.trainer.method;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.util.Map;

/**
 * What the predictor of a {@link PredictorMethod} regresses onto, and how it escapes the gradient:
 * BYOL's EMA target network ({@link EmaTarget}) or SimSiam's stop-gradient on the online projections
 * ({@link #stopGradient()}). The one difference between the two methods' networks.
 */
public interface TargetBranch {

    /**
     * @param ofView1 (N, d) target of view 1, compared with the prediction of view 2
     * @param ofView2 (N, d) target of view 2, compared with the prediction of view 1
     */
    record Targets(NDArray ofView1, NDArray ofView2) {}

    /**
     * The targets of a batch, inside the caller's gradient collector.
     *
     * @param view1 (N, 3, H, W) first views
     * @param view2 (N, 3, H, W) second views
     * @param z1 (N, d) online projections of view 1 (they carry gradient)
     * @param z2 (N, d) online projections of view 2
     */
    Targets targets(ParameterStore parameters, NDArray view1, NDArray view2, NDArray z1, NDArray z2);

    /** Blocks of the branch that checkpoints save but the optimizer does not train. */
    default Map<String, Block> blocks() {
        return Map.of();
    }

    /** After each optimizer step; {@code step} counts from 1. */
    default void afterStep(long step, long totalSteps) {}

    /**
     * SimSiam's target: the online projections themselves, detached (sg(z) in Chen and He 2021,
     * https://arxiv.org/abs/2011.10566, Algorithm 1: {@code z.detach()}).
     */
    static TargetBranch stopGradient() {
        return (parameters, view1, view2, z1, z2) -> new Targets(z1.stopGradient(), z2.stopGradient());
    }
}
