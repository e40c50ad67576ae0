package io.twinview.trainer.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

/**
 * VICReg's loss (Bardes, Ponce, LeCun, "VICReg: Variance-Invariance-Covariance Regularization for
 * Self-Supervised Learning", ICLR 2022, https://arxiv.org/abs/2105.04906, eq. 1-6 and Algorithm 1).
 * For the embeddings Z, Z' (N, D) of the two views:
 * <pre>
 *   s(Z, Z') = 1/(N D) sum_b ||z_b - z'_b||^2                       invariance
 *   v(Z)     = 1/D sum_j max(0, gamma - sqrt(Var(z^j) + eps))        variance, gamma 1, eps 1e-4
 *   c(Z)     = 1/D sum_{i != j} C(Z)_ij^2                            covariance
 *   C(Z)     = 1/(N - 1) sum_b (z_b - zbar)(z_b - zbar)^T            Var: the same unbiased estimate
 *   L        = lambda s(Z, Z') + mu (v(Z) + v(Z')) + nu (c(Z) + c(Z'))
 * </pre>
 * As Algorithm 1 (and the official code's {@code F.mse_loss}), s averages over the D dimensions too,
 * where eq. 1 writes 1/N only: lambda, mu and nu (25, 25, 1) were tuned with that scale.
 */
public final class VicRegLoss {

    /** gamma: the standard deviation each dimension is held at or above. */
    public static final double VARIANCE_TARGET = 1;
    /** eps inside the square root of the variance term. */
    public static final double VARIANCE_EPS = 1e-4;

    private VicRegLoss() {}

    /**
     * @param z1 (N, D) embeddings of the first views, N >= 2
     * @param z2 (N, D) embeddings of the second views, row i the pair of z1's row i
     * @param lambda weight of the invariance term
     * @param mu weight of the variance terms
     * @param nu weight of the covariance terms
     * @return scalar loss
     */
    public static NDArray loss(NDArray z1, NDArray z2, double lambda, double mu, double nu) {
        NDArray invariance = z1.sub(z2).square().mean();
        NDArray variance = variance(z1).add(variance(z2));
        NDArray covariance = covariance(z1).add(covariance(z2));
        return Scalars.mul(invariance, lambda).add(Scalars.mul(variance, mu)).add(Scalars.mul(covariance, nu));
    }

    /** v(Z): the mean over dimensions of the hinge max(0, gamma - std_j). */
    static NDArray variance(NDArray z) {
        NDArray sumOfSquares = centered(z).square().sum(new int[] {0}); // (D)
        NDArray std = Scalars.div(sumOfSquares, z.getShape().get(0) - 1)
                .add(VARIANCE_EPS)
                .sqrt(); // (D)
        return Scalars.atLeast(std.neg().add(VARIANCE_TARGET), 0).mean();
    }

    /** c(Z): the off-diagonal squares of the covariance, summed, over D. */
    static NDArray covariance(NDArray z) {
        long n = z.getShape().get(0);
        int d = Math.toIntExact(z.getShape().get(1));
        NDArray x = centered(z); // (N, D)
        NDArray c = Scalars.div(x.transpose().matMul(x), n - 1); // (D, D)
        NDArray diagonal = c.reshape(-1).get(new NDIndex("::" + (d + 1))); // (D): C_ii, every (D+1)-th entry
        // sum_{i != j} C_ij^2 = sum_ij C_ij^2 - sum_i C_ii^2: no D x D mask to allocate
        return Scalars.div(c.square().sum().sub(diagonal.square().sum()), d);
    }

    /** z minus its column means over the batch, (N, D). */
    private static NDArray centered(NDArray z) {
        return z.sub(z.mean(new int[] {0}, true));
    }
}
