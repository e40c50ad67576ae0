package io.twinview.trainer.method;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.twinview.core.monitor.CollapseMonitor;
import java.util.ArrayDeque;
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
    /** Rows per embedding dimension the alignment estimate needs (a well-posed d x d least squares). */
    static final int ALIGNMENT_ROWS_PER_DIM = 2;
    /**
     * Host copies of the recent batches' view-1 predictor inputs and outputs, {z (N, d), p (N, d)}
     * row-major, newest last: just enough batches for {@link #ALIGNMENT_ROWS_PER_DIM} x d rows.
     */
    private final ArrayDeque<PredictorPair> recentPairs = new ArrayDeque<>();
    private int recentRows;

    /** One batch's predictor inputs z and outputs p, each (rows, dim) row-major. */
    private record PredictorPair(float[] z, float[] p, int rows, int dim) {}

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
        rememberPredictorPair(lastEmbeddings(), p1.stopGradient().toFloatArray(), lastEmbeddingDim());
        return symmetricLoss(p1, targets.ofView2(), p2, targets.ofView1());
    }

    @Override
    public void afterStep(long step, long totalSteps) {
        target.afterStep(step, totalSteps);
    }

    /**
     * The predictor is an MLP, so its linear part stands in for W: the least-squares map from its
     * view-1 inputs z to its outputs p ({@link CollapseMonitor#linearMap}); F = z^T z / N, the
     * correlation of those inputs. Both come from the recent batches {@link #loss} kept, at least
     * {@value #ALIGNMENT_ROWS_PER_DIM} x d rows: with fewer rows than d the map and F's eigenvectors
     * are not determined (one CIFAR batch of 128 against d = 512 gave a meaningless 0.000). Rows
     * from a few steps back saw a slightly older predictor; at a checkpoint that is noise of the
     * order of a few steps' updates. Empty until enough rows have been seen.
     */
    @Override
    public OptionalDouble predictorAlignment() {
        int d = lastEmbeddingDim();
        if (d == 0 || recentRows < ALIGNMENT_ROWS_PER_DIM * d) {
            return OptionalDouble.empty();
        }
        int n = recentRows;
        float[] z = new float[n * d];
        float[] p = new float[n * d];
        int offset = 0;
        for (PredictorPair pair : recentPairs) {
            System.arraycopy(pair.z(), 0, z, offset, pair.z().length);
            System.arraycopy(pair.p(), 0, p, offset, pair.p().length);
            offset += pair.z().length;
        }
        double[] w = CollapseMonitor.linearMap(z, p, n, d, d); // (d, d)
        DMatrixRMaj x = new DMatrixRMaj(n, d);
        for (int i = 0; i < z.length; i++) {
            x.data[i] = z[i];
        }
        DMatrixRMaj f = new DMatrixRMaj(d, d);
        CommonOps_DDRM.multTransA(x, x, f); // (d, d)
        CommonOps_DDRM.scale(1.0 / n, f);
        return OptionalDouble.of(CollapseMonitor.alignment(w, f.data, d));
    }

    /** Keeps (z, p) of this step and drops the oldest batches no longer needed for the row count. */
    private void rememberPredictorPair(float[] z, float[] p, int d) {
        if (!recentPairs.isEmpty() && recentPairs.peekLast().dim() != d) {
            recentPairs.clear(); // rows of another width do not stack with these
            recentRows = 0;
        }
        recentPairs.addLast(new PredictorPair(z, p, z.length / d, d));
        recentRows += z.length / d;
        while (recentRows - recentPairs.peekFirst().rows() >= ALIGNMENT_ROWS_PER_DIM * d) {
            recentRows -= recentPairs.removeFirst().rows();
        }
    }
}
