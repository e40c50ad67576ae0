package io.twinview.trainer.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * The shared shape of BYOL, SimSiam and DirectPred: encoder f, projector g, predictor h on the online
 * side, z = g(f(x)), p = h(z); a {@link TargetBranch} gives each view's target, and the loss compares
 * the prediction of one view with the target of the other, in both orders. Subclasses choose the
 * projector, the {@link Predictor} (learned or computed), the target branch (an EMA network or a
 * stop-gradient) and the loss; nothing else differs.
 *
 * <p>Each view goes through the online network on its own, so batch-norm statistics are per view,
 * as in the BYOL and SimSiam code (SimCLR here forwards the 2N views as one batch instead).
 */
public abstract class PredictorMethod extends SslMethod {

    /** The loss of predictions against the other view's targets. */
    @FunctionalInterface
    interface SymmetricLoss {

        /**
         * @param p1 (N, d) prediction of view 1, to match t2
         * @param t2 (N, d) target of view 2
         * @param p2 (N, d) prediction of view 2, to match t1
         * @param t1 (N, d) target of view 1
         */
        NDArray loss(NDArray p1, NDArray t2, NDArray p2, NDArray t1);
    }

    private final Block projector;
    private final Predictor predictor;
    private final TargetBranch target;
    private final SymmetricLoss symmetricLoss;

    /**
     * @param projector initialised, from encoder features to d
     * @param predictor from d to d
     * @param target the branch whose outputs the predictions regress onto
     */
    PredictorMethod(
            MethodContext context,
            Block projector,
            Predictor predictor,
            TargetBranch target,
            SymmetricLoss symmetricLoss) {
        super(context);
        this.projector = projector;
        this.predictor = predictor;
        this.target = target;
        this.symmetricLoss = symmetricLoss;
    }

    Predictor predictor() {
        return predictor;
    }

    @Override
    protected final Map<String, Block> heads() {
        Map<String, Block> heads = new LinkedHashMap<>();
        heads.put("projector", projector);
        if (predictor.learned()) {
            heads.put("predictor", predictor.block());
        }
        return heads;
    }

    /** A learned predictor at its relative rate (alpha_p in Tian et al. 2021). */
    @Override
    public final Map<String, Double> learningRateScales() {
        double scale = predictor.learningRateScale();
        return !predictor.learned() || scale == 1 ? Map.of() : Map.of("predictor", scale);
    }

    @Override
    public final Set<String> fixedLearningRateRoles() {
        return predictor.learned() && predictor.fixedLearningRate() ? Set.of("predictor") : Set.of();
    }

    /** A computed predictor, then the target branch's blocks. */
    @Override
    public final Map<String, Block> targetBlocks() {
        Map<String, Block> blocks = new LinkedHashMap<>();
        if (!predictor.learned()) {
            blocks.put("predictor", predictor.block());
        }
        blocks.putAll(target.blocks());
        return blocks;
    }

    @Override
    public final NDArray loss(ParameterStore parameters, NDArray view1, NDArray view2) {
        NDArray z1 = forward(projector, parameters, forward(encoder, parameters, view1)); // (N, d)
        NDArray z2 = forward(projector, parameters, forward(encoder, parameters, view2)); // (N, d)
        NDArray p1 = forward(predictor.block(), parameters, z1); // (N, d)
        NDArray p2 = forward(predictor.block(), parameters, z2); // (N, d)
        TargetBranch.Targets targets = target.targets(parameters, view1, view2, z1, z2);
        recordEmbeddings(z1);
        predictor.observe(z1, z2, p1, lastEmbeddings());
        return symmetricLoss.loss(p1, targets.ofView2(), p2, targets.ofView1());
    }

    /** The target network's moving average, then the predictor (a computed one is recomputed from it). */
    @Override
    public final void afterStep(long step, long totalSteps) {
        target.afterStep(step, totalSteps);
        predictor.afterStep(step, totalSteps);
    }

    @Override
    public final OptionalDouble predictorAlignment() {
        return predictor.alignment();
    }

    @Override
    public final NDList state() {
        return predictor.state();
    }

    @Override
    public final void loadState(NDList state) {
        predictor.loadState(state);
    }
}
