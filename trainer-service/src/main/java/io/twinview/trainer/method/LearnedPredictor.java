package io.twinview.trainer.method;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import io.twinview.core.monitor.CollapseMonitor;
import io.twinview.proto.v1.PredictorSpec;
import java.util.ArrayDeque;
import java.util.OptionalDouble;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/**
 * BYOL's and SimSiam's predictor: an MLP h (Linear-BN-ReLU-Linear, a bottleneck in SimSiam) trained
 * by gradient with the rest, at its own relative learning rate (alpha_p of Tian et al. 2021,
 * https://arxiv.org/abs/2102.06810) and, optionally, at the peak rate throughout (SimSiam's
 * {@code --fix-pred-lr}).
 */
final class LearnedPredictor implements Predictor {

    /** Rows per embedding dimension the alignment estimate needs (a well-posed d x d least squares). */
    static final int ALIGNMENT_ROWS_PER_DIM = 2;

    /** One batch's predictor inputs z and outputs p, each (rows, dim) row-major. */
    private record PredictorPair(float[] z, float[] p, int rows, int dim) {}

    private final Block block;
    private final PredictorSpec spec;
    /**
     * Host copies of the recent batches' view-1 predictor inputs and outputs, newest last: just
     * enough batches for {@link #ALIGNMENT_ROWS_PER_DIM} x d rows.
     */
    private final ArrayDeque<PredictorPair> recentPairs = new ArrayDeque<>();

    private int recentRows;

    /** @param dim d, the projector's output width: the predictor maps (N, d) to (N, d) */
    LearnedPredictor(PredictorSpec spec, int dim, MethodContext context) {
        this.spec = spec;
        this.block = Heads.initialized(Heads.mlp(2, spec.getHiddenDim(), dim, false), context, "predictor", dim);
    }

    @Override
    public Block block() {
        return block;
    }

    @Override
    public boolean learned() {
        return true;
    }

    @Override
    public double learningRateScale() {
        return spec.getLrScale();
    }

    @Override
    public boolean fixedLearningRate() {
        return spec.getFixedLr();
    }

    /** Keeps (z, p) of this batch and drops the oldest batches no longer needed for the row count. */
    @Override
    public void observe(NDArray z1, NDArray z2, NDArray p1, float[] z1Rows) {
        int d = Math.toIntExact(z1.getShape().get(1));
        float[] p = p1.stopGradient().toFloatArray();
        if (!recentPairs.isEmpty() && recentPairs.peekLast().dim() != d) {
            recentPairs.clear(); // rows of another width do not stack with these
            recentRows = 0;
        }
        recentPairs.addLast(new PredictorPair(z1Rows, p, z1Rows.length / d, d));
        recentRows += z1Rows.length / d;
        while (recentRows - recentPairs.peekFirst().rows() >= ALIGNMENT_ROWS_PER_DIM * d) {
            recentRows -= recentPairs.removeFirst().rows();
        }
    }

    /**
     * The predictor is an MLP, so its linear part stands in for W: the least-squares map from its
     * view-1 inputs z to its outputs p ({@link CollapseMonitor#linearMap}); F = z^T z / N, the
     * correlation of those inputs. Both come from the recent batches {@link #observe} kept, at least
     * {@value #ALIGNMENT_ROWS_PER_DIM} x d rows: with fewer rows than d the map and F's eigenvectors
     * are not determined (one CIFAR batch of 128 against d = 512 gave a meaningless 0.000). Rows
     * from a few steps back saw a slightly older predictor; at a checkpoint that is noise of the
     * order of a few steps' updates. Empty until enough rows have been seen.
     */
    @Override
    public OptionalDouble alignment() {
        if (recentPairs.isEmpty()) {
            return OptionalDouble.empty();
        }
        int d = recentPairs.peekLast().dim();
        if (recentRows < ALIGNMENT_ROWS_PER_DIM * d) {
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
}
