package io.twinview.trainer.loss;

import ai.djl.ndarray.NDArray;

/**
 * The cosine losses of the predictor methods. With rows L2-normalised (norm clamped at 1e-12, as
 * {@code torch.nn.functional.normalize}) and cos_i = p_i . z_i / (||p_i|| ||z_i||) over a batch of N:
 * <pre>
 *   D(p, z)   = -1/N sum_i cos_i                                  SimSiam, Chen and He 2021, eq. 1
 *   reg(p, z) =  1/N sum_i || p_i/||p_i|| - z_i/||z_i|| ||^2
 *             =  1/N sum_i (2 - 2 cos_i)                          BYOL, Grill et al. 2020, eq. 2
 * </pre>
 * Pure functions of their arguments: gradient flows into both. The stop-gradient on the target
 * ({@code D(p, sg(z))}) is the caller's, so a test can compare with and without it.
 */
public final class NegativeCosine {

    private NegativeCosine() {}

    /**
     * SimSiam's D(p, z), https://arxiv.org/abs/2011.10566 eq. 1.
     *
     * @param p (N, d) predictions
     * @param z (N, d) targets, row i the pair of p's row i
     * @return scalar in [-1, 1]
     */
    public static NDArray loss(NDArray p, NDArray z) {
        return cosines(p, z).mean().neg();
    }

    /**
     * BYOL's normalised mean squared error, https://arxiv.org/abs/2006.07733 eq. 2: 2 - 2 cos, averaged.
     *
     * @param p (N, d) predictions q_theta(z_theta)
     * @param z (N, d) target projections z'_xi
     * @return scalar in [0, 4]
     */
    public static NDArray regression(NDArray p, NDArray z) {
        return Scalars.mul(cosines(p, z).mean(), -2).add(2);
    }

    /**
     * SimSiam's symmetrised loss, https://arxiv.org/abs/2011.10566 eq. 2: D(p1, z2) / 2 + D(p2, z1) / 2.
     * The targets arrive detached (the caller's stop-gradient).
     *
     * @param p1 (N, d) predictions of the first views, to match z2
     * @param z2 (N, d) targets of the second views
     * @return scalar in [-1, 1]
     */
    public static NDArray symmetric(NDArray p1, NDArray z2, NDArray p2, NDArray z1) {
        return Scalars.div(loss(p1, z2).add(loss(p2, z1)), 2);
    }

    /**
     * BYOL's symmetrised loss, https://arxiv.org/abs/2006.07733 eq. 2 and sec. 3.1 (L + L~):
     * reg(p1, z'2) + reg(p2, z'1). The targets arrive detached (the caller's stop-gradient).
     *
     * @param p1 (N, d) predictions of the first views, to match z2
     * @param z2 (N, d) target projections of the second views
     * @return scalar in [0, 8]
     */
    public static NDArray symmetricRegression(NDArray p1, NDArray z2, NDArray p2, NDArray z1) {
        return regression(p1, z2).add(regression(p2, z1));
    }

    /** (N): the cosine of each row pair. */
    static NDArray cosines(NDArray p, NDArray z) {
        return NtXent.l2Normalize(p).mul(NtXent.l2Normalize(z)).sum(new int[] {1});
    }
}
