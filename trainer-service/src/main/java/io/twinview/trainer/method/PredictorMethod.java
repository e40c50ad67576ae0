package io.twinview.trainer.method;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.twinview.core.monitor.CollapseMonitor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * The shared shape of BYOL and SimSiam: encoder f, projector g, predictor h on the online side,
 * z = g(f(x)), p = h(z); a {@link TargetBranch} gives each view's target, and the loss compares
 * the prediction of one view with the target of the other, in both orders. Subclasses choose the
 * projector, the target branch and the loss; nothing else differs.
 *
 * <p>Each view goes through the online network on its own, so batch-norm statistics are per view,
 * as in the BYOL and SimSiam code (SimCLR here forwards the 2N views as one batch instead).
 */
public abstract class PredictorMethod extends SslMethod {

    protected final Block projector;
    protected final Block predictor;
    private final TargetBranch target;
    /** Host copy of the last batch's view-1 predictions, (N, d) row-major: the predictor's outputs. */
    private float[] lastPredictions = new float[0];

    /**
     * @param projector initialised, from encoder features to d = settings.projectorOutputDim()
     * @param target the branch whose outputs the predictions regress onto
     */
    protected PredictorMethod(MethodContext context, Block projector, TargetBranch target) {
        super(context);
        MethodSettings settings = context.settings();
        this.projector = projector;
        this.predictor = Heads.initialized(Heads.mlp(2, settings.predictorHiddenDim(), settings.projectorOutputDim(), false),
                context, "predictor", settings.projectorOutputDim());
        this.target = target;
    }

    /**
     * The loss of predictions against the other view's targets.
     *
     * @param p1 (N, d) prediction of view 1, to match t2
     * @param t2 (N, d) target of view 2
     * @param p2 (N, d) prediction of view 2, to match t1
     * @param t1 (N, d) target of view 1
     */
    protected abstract NDArray symmetricLoss(NDArray p1, NDArray t2, NDArray p2, NDArray t1);

    @Override
    protected final Map<String, Block> heads() {
        Map<String, Block> heads = new LinkedHashMap<>();
        heads.put("projector", projector);
        heads.put("predictor", predictor);
        return heads;
    }

    /** The predictor at {@code head.predictor_lr_scale} times the rate of the rest (alpha_p in Tian et al. 2021). */
    @Override
    public final Map<String, Double> learningRateScales() {
        double scale = context.settings().predictorLrScale();
        return scale == 1 ? Map.of() : Map.of("predictor", scale);
    }

    @Override
    public final Map<String, Block> targetBlocks() {
        return target.blocks();
    }

    @Override
    public final NDArray loss(ParameterStore parameters, NDArray view1, NDArray view2) {
        NDArray z1 = forward(projector, parameters, forward(encoder, parameters, view1)); // (N, d)
        NDArray z2 = forward(projector, parameters, forward(encoder, parameters, view2)); // (N, d)
        NDArray p1 = forward(predictor, parameters, z1); // (N, d)
        NDArray p2 = forward(predictor, parameters, z2); // (N, d)
        TargetBranch.Targets targets = target.targets(parameters, view1, view2, z1, z2);
        recordEmbeddings(z1);
        lastPredictions = p1.stopGradient().toFloatArray();
        return symmetricLoss(p1, targets.ofView2(), p2, targets.ofView1());
    }

    @Override
    public void afterStep(long step, long totalSteps) {
        target.afterStep(step, totalSteps);
    }

    /**
     * The predictor is an MLP, so its linear part on the last batch stands in for W: the
     * least-squares map from its view-1 inputs z to its outputs p ({@link CollapseMonitor#linearMap});
     * F = z^T z / N, the correlation of those inputs. Computed here, on demand, from the host copies
     * the last {@link #loss} kept.
     */
    @Override
    public OptionalDouble predictorAlignment() {
        float[] z = lastEmbeddings();
        int d = lastEmbeddingDim();
        if (d == 0 || z.length < 2 * d || lastPredictions.length != z.length) {
            return OptionalDouble.empty();
        }
        int n = z.length / d;
        double[] w = CollapseMonitor.linearMap(z, lastPredictions, n, d, d); // (d, d)
        DMatrixRMaj x = new DMatrixRMaj(n, d);
        for (int i = 0; i < z.length; i++) {
            x.data[i] = z[i];
        }
        DMatrixRMaj f = new DMatrixRMaj(d, d);
        CommonOps_DDRM.multTransA(x, x, f); // (d, d)
        CommonOps_DDRM.scale(1.0 / n, f);
        return OptionalDouble.of(CollapseMonitor.alignment(w, f.data, d));
    }
}
