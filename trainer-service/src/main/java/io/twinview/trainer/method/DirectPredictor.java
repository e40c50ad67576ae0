package io.twinview.trainer.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import io.twinview.core.monitor.CollapseMonitor;
import java.util.OptionalDouble;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * DirectPred's predictor (Tian, Chen, Ganguli, ICML 2021, https://arxiv.org/abs/2102.06810): LINEAR
 * (d x d, no bias) and not learned; it is set from the eigendecomposition of a moving estimate of
 * its input correlation,
 * <pre>
 *   F   <- rho F + (1 - rho) E[f f^T]        f: online projector outputs of both views (eq. 19)
 *   F   =  U diag(s) U^T
 *   p_j =  sqrt(max(s_j, 0) / max_k s_k) + eps                                   (eq. 18)
 *   W_p =  U diag(p) U^T
 * </pre>
 * The first estimate is the first batch's E[f f^T] (the authors' Accumulator does this; with F = 0
 * before it the estimate would only be scaled by 1 - rho, and W_p, normalised by the largest
 * eigenvalue, would be the same). W_p is recomputed after every {@code update_every}-th optimizer
 * step, counting from the first, as the authors' trainer does after iterations with
 * {@code niter % predictor_freq == 0}; before the first it is the seeded random init.
 *
 * <p>The analysis shows that a gradient-trained linear predictor's eigenbasis aligns with that of
 * F during training; DirectPred builds W_p in F's eigenbasis, so {@link #alignment()}
 * (CollapseMonitor.alignment of W_p against the current F) is about 1 by construction, exactly 1
 * right after a recompute and drifting only as far as F moves between recomputes. That is the
 * point: the alignment the theory predicts is imposed instead of learned.
 *
 * <p>The block is frozen and the optimizer never sees it; W_p is written in place through a
 * stop-gradient view. F and its update count are {@link #state()}, so a resumed run continues with
 * the same estimate. F and W_p are computed in double on the host (EJML): one d x d
 * eigendecomposition per recompute (128 x 128: milliseconds; for d in the thousands raise
 * {@code update_every}).
 */
final class DirectPredictor implements Predictor {

    static final String CORRELATION = "directpred.correlation";
    static final String UPDATES = "directpred.correlation_updates";

    private final MethodContext context;
    private final Block block;
    private final int dim;
    private final double rho;
    private final double eps;
    private final int every;
    /** F, (d, d) row-major; meaningful once {@link #correlationUpdates} > 0. */
    private double[] correlation;

    private long correlationUpdates;
    /** E[f f^T] of the last loss's batch, (d, d) row-major, folded into F after the optimizer step. */
    private double[] pendingBatchCorrelation;
    /** Owns the arrays of the last {@link #state()}: closed when the next is taken. */
    private NDManager stateScope;

    /**
     * @param dim d, the projector's output width
     * @param rho moving-average rate of F
     * @param eps added to every eigenvalue factor
     * @param every optimizer steps between recomputes of W_p
     */
    DirectPredictor(MethodContext context, int dim, double rho, double eps, int every) {
        this.context = context;
        this.dim = dim;
        this.rho = rho;
        this.eps = eps;
        this.every = every;
        this.block =
                Heads.initialized(Linear.builder().setUnits(dim).optBias(false).build(), context, "predictor", dim);
        block.freezeParameters(true);
        this.correlation = new double[dim * dim];
    }

    @Override
    public Block block() {
        return block;
    }

    @Override
    public boolean learned() {
        return false;
    }

    /** Keeps E[f f^T] over both views' projections, f = (z1; z2). */
    @Override
    public void observe(NDArray z1, NDArray z2, NDArray p1, float[] z1Rows) {
        NDArray f = z1.concat(z2, 0).stopGradient(); // (2N, d)
        pendingBatchCorrelation =
                toDoubles(f.transpose().matMul(f).div(f.getShape().get(0)).toFloatArray()); // (d, d)
    }

    /** F, then W_p when due. */
    @Override
    public void afterStep(long step, long totalSteps) {
        if (pendingBatchCorrelation != null) {
            correlation = updateCorrelation(correlationUpdates == 0 ? null : correlation, pendingBatchCorrelation, rho);
            correlationUpdates++;
            pendingBatchCorrelation = null;
        }
        if ((step - 1) % every == 0 && correlationUpdates > 0) {
            setPredictor(predictorFromCorrelation(correlation, dim, eps));
        }
    }

    /**
     * F <- rho F + (1 - rho) B; the first estimate ({@code previous} null) is B itself.
     *
     * @param batchCorrelation B = E[f f^T] over a batch, (d, d) row-major
     */
    static double[] updateCorrelation(double[] previous, double[] batchCorrelation, double rho) {
        if (previous == null) {
            return batchCorrelation.clone();
        }
        double[] next = new double[previous.length];
        for (int i = 0; i < next.length; i++) {
            next[i] = rho * previous[i] + (1 - rho) * batchCorrelation[i];
        }
        return next;
    }

    /**
     * W_p = U diag(p) U^T with F = U diag(s) U^T and p_j = sqrt(max(s_j, 0) / max_k s_k) + eps
     * (p_j = eps for every j when no eigenvalue is positive). F is symmetrised first.
     *
     * @param correlation F, (d, d) row-major
     * @return W_p, (d, d) row-major, symmetric
     */
    static double[] predictorFromCorrelation(double[] correlation, int d, double eps) {
        DMatrixRMaj f = new DMatrixRMaj(d, d);
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                f.set(i, j, (correlation[i * d + j] + correlation[j * d + i]) / 2);
            }
        }
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(d, true, true);
        if (!eig.decompose(f)) {
            throw new IllegalStateException(
                    "eigendecomposition of DirectPred's " + d + "x" + d + " correlation failed");
        }
        double largest = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < d; k++) {
            largest = Math.max(largest, eig.getEigenvalue(k).getReal());
        }
        double[] w = new double[d * d];
        for (int k = 0; k < d; k++) {
            double s = eig.getEigenvalue(k).getReal();
            double p = (largest > 0 ? Math.sqrt(Math.max(s, 0) / largest) : 0) + eps;
            DMatrixRMaj u = eig.getEigenVector(k); // (d, 1), unit
            for (int i = 0; i < d; i++) {
                double pu = p * u.get(i, 0);
                for (int j = 0; j < d; j++) {
                    w[i * d + j] += pu * u.get(j, 0);
                }
            }
        }
        return w;
    }

    private Parameter weight() {
        return block.getParameters().get("weight");
    }

    /** Writes W_p into the frozen weight in place (the optimizer never holds it). */
    private void setPredictor(double[] w) {
        float[] values = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            values[i] = (float) w[i];
        }
        NDArray weight = weight().getArray();
        try (NDManager scope = context.manager().newSubManager(weight.getDevice())) {
            NDArray next = scope.create(values, new Shape(dim, dim)); // (out, in) as Linear stores it
            NDArray view = weight.stopGradient();
            view.attach(scope);
            view.subi(view).addi(next);
        }
    }

    /** The current W_p, (d, d) row-major. */
    double[] matrix() {
        return toDoubles(weight().getArray().toFloatArray());
    }

    /** The current estimate F, (d, d) row-major (zeros before the first step). */
    double[] correlation() {
        return correlation.clone();
    }

    @Override
    public OptionalDouble alignment() {
        if (correlationUpdates == 0) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(CollapseMonitor.alignment(matrix(), correlation, dim));
    }

    /** F as float64 (exact) and the number of updates folded into it, by name. */
    @Override
    public NDList state() {
        if (stateScope != null) {
            stateScope.close();
        }
        stateScope = context.manager().newSubManager();
        NDArray f = stateScope.create(correlation, new Shape(dim, dim));
        f.setName(CORRELATION);
        NDArray updates = stateScope.create(new long[] {correlationUpdates}, new Shape(1));
        updates.setName(UPDATES);
        return new NDList(f, updates);
    }

    @Override
    public void loadState(NDList state) {
        NDArray f = state.get(CORRELATION);
        NDArray updates = state.get(UPDATES);
        if (state.size() != 2 || f == null || updates == null) {
            throw new IllegalArgumentException("DirectPred state holds " + CORRELATION + " and " + UPDATES + ", got "
                    + state.stream().map(NDArray::getName).toList());
        }
        if (!f.getShape().equals(new Shape(dim, dim)) || f.getDataType() != DataType.FLOAT64) {
            throw new IllegalArgumentException(CORRELATION + " must be float64 " + new Shape(dim, dim) + ", got "
                    + f.getDataType() + " " + f.getShape());
        }
        correlation = f.toDoubleArray();
        correlationUpdates = updates.toLongArray()[0];
        pendingBatchCorrelation = null;
    }

    private static double[] toDoubles(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
