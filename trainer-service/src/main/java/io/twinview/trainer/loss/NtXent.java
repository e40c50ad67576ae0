package io.twinview.trainer.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * NT-Xent, the normalised temperature-scaled cross-entropy of SimCLR (Chen et al. 2020,
 * https://arxiv.org/abs/2002.05709, eq. 1).
 *
 * <p>With the 2N embeddings z of a batch of N pairs L2-normalised and s_ij = z_i . z_j / tau:
 * <pre>
 *   l(i) = -log( exp(s_{i,p(i)}) / sum_{k != i} exp(s_ik) ),   p(i) = i + N mod 2N
 *   L    = 1/(2N) sum_i l(i)
 * </pre>
 * Every other view in the batch is a negative; the anchor itself is excluded from the denominator.
 */
public final class NtXent {

    /** Added to the diagonal logits so exp() of the anchor vanishes without producing NaN. */
    private static final float EXCLUDE = -1e9f;

    private NtXent() {}

    /**
     * @param z1 (N, D) embeddings of the first views
     * @param z2 (N, D) embeddings of the second views, row i the pair of z1's row i
     * @return scalar loss
     */
    public static NDArray loss(NDArray z1, NDArray z2, double temperature) {
        int n = Math.toIntExact(z1.getShape().get(0));
        NDArray a = l2Normalize(z1); // (N, D)
        NDArray b = l2Normalize(z2); // (N, D)
        NDArray z = a.concat(b, 0); // (2N, D)
        NDArray self = z.getManager().eye(2 * n, 2 * n, 0, DataType.FLOAT32).toDevice(z.getDevice(), false);
        NDArray logits = Scalars.div(z.matMul(z.transpose()), temperature).add(self.mul(EXCLUDE)); // (2N, 2N)
        // log-sum-exp with the row maximum taken out (a constant for the gradient)
        NDArray rowMax = logits.max(new int[] {1}, true).stopGradient(); // (2N, 1)
        NDArray logDenominator =
                logits.sub(rowMax).exp().sum(new int[] {1}).log().add(rowMax.squeeze(1)); // (2N)
        NDArray positive = Scalars.div(a.mul(b).sum(new int[] {1}), temperature); // (N): s_{i,i+N} = s_{i+N,i}
        // mean over the 2N anchors of (log denominator - positive logit); each positive serves two anchors
        return logDenominator.mean().sub(positive.mean());
    }

    /** Rows scaled to unit L2 norm (norm clamped at 1e-12 as torch.nn.functional.normalize does). */
    public static NDArray l2Normalize(NDArray x) {
        return x.div(Scalars.atLeast(x.norm(new int[] {1}, true), 1e-12));
    }
}
