package io.twinview.trainer.loss;

import ai.djl.ndarray.NDArray;

/**
 * InfoNCE against a dictionary of negatives: MoCo's contrastive loss (He et al. 2020,
 * https://arxiv.org/abs/1911.05722, eq. 1; InfoNCE from van den Oord et al. 2018,
 * https://arxiv.org/abs/1807.03748).
 *
 * <p>With the queries q_i and positive keys k_i L2-normalised and the K negatives n_j unit rows
 * (MoCo's queue holds normalised keys):
 * <pre>
 *   logits_i = [ q_i . k_i , q_i . n_1 , ... , q_i . n_K ] / tau          (N, 1 + K)
 *   l(i)     = -log( exp(logits_i0) / sum_{j=0..K} exp(logits_ij) )
 *   L        = 1/N sum_i l(i)
 * </pre>
 * that is, a (1+K)-way cross-entropy with the positive at index 0, as in {@code moco/builder.py}
 * (positive logits Nx1, negative logits NxK, labels zero). Gradients flow into whatever requires
 * them; MoCo passes keys and negatives that do not.
 */
public final class InfoNce {

    private InfoNce() {}

    /**
     * @param queries (N, D) query embeddings, normalised here
     * @param keys (N, D) positive keys, row i the pair of query i, normalised here
     * @param negatives (K, D) unit rows, used as given; arrays derived from it belong to its manager
     * @return scalar loss
     */
    public static NDArray loss(NDArray queries, NDArray keys, NDArray negatives, double temperature) {
        NDArray q = NtXent.l2Normalize(queries); // (N, D)
        NDArray k = NtXent.l2Normalize(keys); // (N, D)
        NDArray positive = q.mul(k).sum(new int[] {1}, true); // positive logits: (N, 1)
        NDArray negative = q.matMul(negatives.transpose()); // negative logits: (N, K)
        NDArray logits = Scalars.div(positive.concat(negative, 1), temperature); // (N, 1 + K)
        return logits.logSoftmax(1).get(":, 0").neg().mean(); // cross-entropy, label 0
    }
}
