package io.twinview.trainer.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

/**
 * The redundancy-reduction loss of Barlow Twins (Zbontar et al. 2021,
 * https://arxiv.org/abs/2103.03230, eq. 1 and algorithm 1).
 *
 * <p>Each view's embeddings are batch-normalised per dimension (zero mean, unit variance over
 * the batch, no learnable affine: the official code's {@code BatchNorm1d(affine=False)} in
 * training mode, biased variance, eps 1e-5), then
 * <pre>
 *   C_ij = 1/N sum_b zn1_bi zn2_bj                          (D x D cross-correlation)
 *   L    = sum_i (1 - C_ii)^2  +  w(D) * sum_{i != j} C_ij^2
 * </pre>
 * The first term makes every dimension invariant to the augmentation, the second decorrelates
 * the dimensions. How the D(D-1) off-diagonal squares are reduced is an {@link OffDiagonal}
 * strategy: the paper's sum weighted by lambda, or their mean.
 */
public final class BarlowTwinsLoss {

    /** torch.nn.BatchNorm1d's default eps, as in the official code's affine-free BN. */
    public static final double BATCH_NORM_EPS = 1e-5;

    private BarlowTwinsLoss() {}

    /** How the off-diagonal squares C_ij^2 (i != j) enter the loss: a weight w(D) on their sum. */
    public sealed interface OffDiagonal {

        /** The weight of each off-diagonal square for embeddings of width {@code d}. */
        double weight(int d);

        /**
         * The paper's reduction: lambda x sum_{i != j} C_ij^2, lambda = 5.1e-3 (the official code's
         * {@code --lambd 0.0051}, facebookresearch/barlowtwins main.py; tuned on ImageNet for D = 8192).
         */
        record Sum(double lambda) implements OffDiagonal {
            @Override
            public double weight(int d) {
                return lambda;
            }
        }

        /**
         * mean_{i != j} C_ij^2: the sum over its D(D-1) entries divided by their number, without a
         * lambda. The variant is argued for because with the sum the off-diagonal term (D(D-1)
         * entries) outgrows the on-diagonal one (D entries) as D grows, so lambda has to be retuned
         * with the projector width; the mean keeps the off-diagonal term an average whatever D is,
         * which balances the two terms' gradients without a coefficient. Note what it changes: the
         * weight of one off-diagonal square becomes 1 / (D(D-1)), about 2.4e-7 at D = 2048, against
         * the paper's 5.1e-3, so decorrelation pressure is far weaker than the paper's.
         */
        record Mean() implements OffDiagonal {
            @Override
            public double weight(int d) {
                return d < 2 ? 0 : 1.0 / ((double) d * (d - 1));
            }
        }
    }

    /**
     * @param z1 (N, D) embeddings of the first views
     * @param z2 (N, D) embeddings of the second views, row i the pair of z1's row i
     * @return scalar loss
     */
    public static NDArray loss(NDArray z1, NDArray z2, OffDiagonal offDiagonal) {
        long n = z1.getShape().get(0);
        int d = Math.toIntExact(z1.getShape().get(1));
        NDArray a = batchNormalize(z1); // (N, D)
        NDArray b = batchNormalize(z2); // (N, D)
        NDArray c = Scalars.div(a.transpose().matMul(b), n); // (D, D)
        NDArray diagonal = c.reshape(-1).get(new NDIndex("::" + (d + 1))); // (D): C_ii, every (D+1)-th entry
        NDArray onDiagonal = diagonal.sub(1).square().sum();
        // sum_{i != j} C_ij^2 = sum_ij C_ij^2 - sum_i C_ii^2: no D x D mask to allocate
        NDArray offDiagonalSquares = c.square().sum().sub(diagonal.square().sum());
        return onDiagonal.add(Scalars.mul(offDiagonalSquares, offDiagonal.weight(d)));
    }

    /** (z - mean) / sqrt(var + eps) per column, mean and biased variance over the batch (rows). */
    public static NDArray batchNormalize(NDArray z) {
        NDArray centered = z.sub(z.mean(new int[] {0}, true)); // (N, D)
        NDArray variance = centered.square().mean(new int[] {0}, true); // (1, D)
        return centered.div(variance.add(BATCH_NORM_EPS).sqrt());
    }
}
