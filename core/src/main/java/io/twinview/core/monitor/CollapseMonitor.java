package io.twinview.core.monitor;

import io.twinview.proto.v1.CollapseMonitors;
import java.util.OptionalDouble;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

/**
 * Signs of collapse in a batch of embeddings.
 * <ul>
 *   <li>Std of the L2-normalised embeddings per dimension, averaged: about 1/sqrt(d) for
 *       embeddings spread over the sphere, 0 when every image maps to the same point (the monitor
 *       of SimSiam, Chen and He 2021, https://arxiv.org/abs/2011.10566, fig. 2).</li>
 *   <li>Effective rank: exp of the entropy of the normalised singular values of the embedding
 *       matrix (Roy and Vetterli 2007; RankMe, Garrido et al. 2023, https://arxiv.org/abs/2210.02885),
 *       from 1 (rank-one, collapsed) to d.</li>
 *   <li>Predictor alignment: how diagonal a predictor W is in the eigenbasis U of its input
 *       correlation F, ||diag(U^T W U)||^2 / ||U^T W U||^2 (1 = shared eigenvectors, the fixed
 *       point the DirectPred analysis predicts, Tian et al. 2021, https://arxiv.org/abs/2102.06810).</li>
 * </ul>
 */
public final class CollapseMonitor {

    /** Below this fraction of the healthy 1/sqrt(d), the embeddings have collapsed. */
    public static final double COLLAPSED_STD = 0.1;
    /** An effective rank below this is a collapse to (nearly) one direction. */
    public static final double COLLAPSED_RANK = 1.5;

    /**
     * @param stdNormalized std x sqrt(d)
     * @param warning empty when healthy
     */
    public record Reading(
            double std,
            double stdNormalized,
            double effectiveRank,
            int dim,
            OptionalDouble predictorAlignment,
            String warning) {
        public boolean collapsed() {
            return !warning.isEmpty();
        }

        /** The wire form, as WatchRun, manifests and reports carry it. */
        public CollapseMonitors toProto(long step) {
            CollapseMonitors.Builder built = CollapseMonitors.newBuilder()
                    .setStep(step)
                    .setEmbeddingStd(std)
                    .setEmbeddingStdNormalized(stdNormalized)
                    .setEffectiveRank(effectiveRank)
                    .setEmbeddingDim(dim)
                    .setWarning(warning);
            predictorAlignment.ifPresent(built::setPredictorAlignment);
            return built.build();
        }
    }

    private CollapseMonitor() {}

    /**
     * @param embeddings (n, dim) row-major
     */
    public static Reading read(float[] embeddings, int dim, OptionalDouble predictorAlignment) {
        if (dim == 0 || embeddings.length < 2 * dim) {
            return new Reading(0, 0, 0, dim, predictorAlignment, "");
        }
        int n = embeddings.length / dim;
        double std = normalizedStd(embeddings, n, dim);
        double stdNormalized = std * Math.sqrt(dim);
        double rank = effectiveRank(embeddings, n, dim);
        String warning = "";
        if (stdNormalized < COLLAPSED_STD || rank < COLLAPSED_RANK) {
            warning = String.format(
                    "COLLAPSE: embeddings have std %.4f (%.3f of the healthy 1/sqrt(%d)) and effective rank %.2f",
                    std, stdNormalized, dim, rank);
        }
        return new Reading(std, stdNormalized, rank, dim, predictorAlignment, warning);
    }

    static double normalizedStd(float[] z, int n, int dim) {
        double[] sum = new double[dim];
        double[] squares = new double[dim];
        for (int i = 0; i < n; i++) {
            double norm = 0;
            for (int j = 0; j < dim; j++) {
                norm += (double) z[i * dim + j] * z[i * dim + j];
            }
            norm = Math.max(Math.sqrt(norm), 1e-12);
            for (int j = 0; j < dim; j++) {
                double v = z[i * dim + j] / norm;
                sum[j] += v;
                squares[j] += v * v;
            }
        }
        double mean = 0;
        for (int j = 0; j < dim; j++) {
            double m = sum[j] / n;
            mean += Math.sqrt(Math.max(0, squares[j] / n - m * m));
        }
        return mean / dim;
    }

    static double effectiveRank(float[] z, int n, int dim) {
        DMatrixRMaj matrix = new DMatrixRMaj(n, dim);
        for (int i = 0; i < z.length; i++) {
            matrix.data[i] = z[i];
        }
        SingularValueDecomposition_F64<DMatrixRMaj> svd = DecompositionFactory_DDRM.svd(n, dim, false, false, true);
        if (!svd.decompose(matrix)) {
            return Double.NaN;
        }
        double[] sigma = svd.getSingularValues();
        double total = 0;
        for (int i = 0; i < svd.numberOfSingularValues(); i++) {
            total += sigma[i];
        }
        if (total <= 0) {
            return 1;
        }
        double entropy = 0;
        for (int i = 0; i < svd.numberOfSingularValues(); i++) {
            double p = sigma[i] / total;
            if (p > 0) {
                entropy -= p * Math.log(p);
            }
        }
        return Math.exp(entropy);
    }

    /**
     * ||diag(U^T W U)||^2 / ||U^T W U||^2 with U the eigenvectors of the symmetric {@code correlation};
     * W is symmetrised first.
     *
     * @param predictor (d, d) row-major linear map
     * @param correlation (d, d) row-major, symmetric
     */
    public static double alignment(double[] predictor, double[] correlation, int d) {
        DMatrixRMaj w = new DMatrixRMaj(d, d, true, predictor);
        DMatrixRMaj wt = CommonOps_DDRM.transpose(w, null);
        CommonOps_DDRM.addEquals(w, wt);
        CommonOps_DDRM.scale(0.5, w);
        DMatrixRMaj u = eigenvectors(new DMatrixRMaj(d, d, true, correlation));
        DMatrixRMaj tmp = new DMatrixRMaj(d, d);
        DMatrixRMaj m = new DMatrixRMaj(d, d);
        CommonOps_DDRM.multTransA(u, w, tmp);
        CommonOps_DDRM.mult(tmp, u, m);
        double diagonal = 0;
        double all = 0;
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double v = m.get(i, j);
                all += v * v;
                if (i == j) {
                    diagonal += v * v;
                }
            }
        }
        return all == 0 ? 0 : diagonal / all;
    }

    /** Columns: unit eigenvectors of a symmetric matrix (any order). */
    public static DMatrixRMaj eigenvectors(DMatrixRMaj symmetric) {
        int d = symmetric.numRows;
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(d, true, true);
        if (!eig.decompose(symmetric.copy())) {
            throw new IllegalStateException("eigendecomposition of a " + d + "x" + d + " symmetric matrix failed");
        }
        DMatrixRMaj u = new DMatrixRMaj(d, d);
        for (int k = 0; k < d; k++) {
            DMatrixRMaj v = eig.getEigenVector(k);
            for (int i = 0; i < d; i++) {
                u.set(i, k, v.get(i, 0));
            }
        }
        return u;
    }

    /**
     * The least-squares linear map W (out x in) with outputs ~ W inputs over a batch, ridge 1e-6:
     * the linear part of a nonlinear predictor, for {@link #alignment}.
     */
    public static double[] linearMap(float[] inputs, float[] outputs, int n, int in, int out) {
        DMatrixRMaj x = new DMatrixRMaj(n, in);
        DMatrixRMaj y = new DMatrixRMaj(n, out);
        for (int i = 0; i < n * in; i++) {
            x.data[i] = inputs[i];
        }
        for (int i = 0; i < n * out; i++) {
            y.data[i] = outputs[i];
        }
        DMatrixRMaj xtx = new DMatrixRMaj(in, in);
        CommonOps_DDRM.multTransA(x, x, xtx);
        for (int i = 0; i < in; i++) {
            xtx.add(i, i, 1e-6 * n);
        }
        DMatrixRMaj xty = new DMatrixRMaj(in, out);
        CommonOps_DDRM.multTransA(x, y, xty);
        DMatrixRMaj solution = new DMatrixRMaj(in, out);
        if (!CommonOps_DDRM.solve(xtx, xty, solution)) {
            throw new IllegalStateException("the predictor's least-squares system is singular");
        }
        return CommonOps_DDRM.transpose(solution, null).data; // (out, in)
    }
}
