package io.twinview.eval.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.concurrent.CancellationException;

/**
 * Weighted k-nearest-neighbour classifier on frozen features, the monitor of InstDisc (Wu et al.
 * 2018, "Unsupervised Feature Learning via Non-Parametric Instance Discrimination", sec. 3.4,
 * https://arxiv.org/abs/1805.01978) that MoCo's and solo-learn's k-NN callbacks reuse:
 * <pre>
 *   s_i      = cos(f, f_i) over the train features f_i          (L2-normalised dot products)
 *   N_k      = the k train rows with the highest s_i
 *   score(c) = sum over i in N_k with y_i = c of exp(s_i / T)
 * </pre>
 * The prediction is the class of highest score; defaults k = {@value #DEFAULT_K},
 * T = {@value #DEFAULT_TEMPERATURE}. A k above the train size uses every train row.
 *
 * <p>Top-5 is top-min(5, C): the true class is among the five highest scores (ties by lower class
 * index) AND received a vote; a class no neighbour voted for is never counted as predicted. With
 * fewer than five classes top-5 is therefore the fraction of test rows whose class got any vote
 * (usually 1.0).
 *
 * <p>Similarities are a float32 DJL matrix product, (chunk, d) x (d, n_train), in chunks of test
 * rows that keep each similarity block near {@value #SIMILARITY_BLOCK_FLOATS} floats; neighbours
 * come from {@code topK}, votes are summed in double in Java. Neighbours tied on similarity at the
 * k-th place are taken in the engine's order.
 */
public final class KnnProbe {

    public static final int DEFAULT_K = 200;
    public static final double DEFAULT_TEMPERATURE = 0.07;
    static final int SIMILARITY_BLOCK_FLOATS = 16 << 20;

    private final int k;
    private final double temperature;

    public KnnProbe() {
        this(DEFAULT_K, DEFAULT_TEMPERATURE);
    }

    /**
     * @param k           neighbours, at least 1
     * @param temperature T &gt; 0
     */
    public KnnProbe(int k, double temperature) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, was " + k);
        }
        if (!(temperature > 0) || !Double.isFinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite value > 0, was " + temperature);
        }
        this.k = k;
        this.temperature = temperature;
    }

    public int k() {
        return k;
    }

    public double temperature() {
        return temperature;
    }

    /** The k actually used with {@code trainSize} train rows. */
    public int effectiveK(int trainSize) {
        return Math.min(k, trainSize);
    }

    /**
     * @param manager parent of the arrays made here, all closed before returning
     */
    public Accuracy score(Features train, Features test, NDManager manager) {
        double[][] scores = classScores(train, test, manager);
        int classes = scores.length == 0 ? 0 : scores[0].length;
        int topK = Math.min(Ranking.TOP5, classes);
        int top1 = 0;
        int top5 = 0;
        for (int i = 0; i < scores.length; i++) {
            int label = test.labels()[i];
            if (scores[i][label] <= 0) {
                continue;
            }
            int position = Ranking.position(scores[i], label);
            top1 += position == 0 ? 1 : 0;
            top5 += position < topK ? 1 : 0;
        }
        return new Accuracy(top1, top5, test.size());
    }

    /** (n_test, C) vote scores, C = the larger class count of the two sets. */
    double[][] classScores(Features train, Features test, NDManager manager) {
        if (train.size() == 0) {
            throw new IllegalArgumentException("the k-NN probe needs at least one train row");
        }
        if (test.size() > 0 && test.dim() != train.dim()) {
            throw new IllegalArgumentException(
                    "test features have dimension " + test.dim() + ", train features " + train.dim());
        }
        int n = train.size();
        int d = train.dim();
        int neighbours = effectiveK(n);
        int classes = Math.max(train.classCount(), test.classCount());
        double[][] scores = new double[test.size()][classes];
        int chunk = (int) Math.max(1, Math.min(4096, SIMILARITY_BLOCK_FLOATS / n));
        try (NDManager bankManager = manager.newSubManager()) {
            NDArray bankT = bankManager
                    .create(normalisedRows(train, 0, n), new Shape(n, d))
                    .transpose(); // (d, n)
            for (int from = 0; from < test.size(); from += chunk) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new CancellationException("k-NN probe interrupted at test row " + from);
                }
                int rows = Math.min(chunk, test.size() - from);
                try (NDManager step = bankManager.newSubManager()) {
                    NDArray queries = step.create(normalisedRows(test, from, rows), new Shape(rows, d)); // (rows, d)
                    NDArray similarities = queries.matMul(bankT); // (rows, n)
                    NDList top = similarities.topK(neighbours, 1, true, true); // values, indices: (rows, k)
                    float[] values = top.get(0).toFloatArray();
                    long[] indices = top.get(1).toLongArray();
                    for (int r = 0; r < rows; r++) {
                        double[] row = scores[from + r];
                        for (int q = 0; q < neighbours; q++) {
                            int neighbour = (int) indices[r * neighbours + q];
                            row[train.labels()[neighbour]] += Math.exp(values[r * neighbours + q] / temperature);
                        }
                    }
                }
            }
        }
        return scores;
    }

    /** Rows [from, from + count) divided by their L2 norm (a zero row stays zero), flattened. */
    static float[] normalisedRows(Features features, int from, int count) {
        int d = features.dim();
        float[] out = new float[count * d];
        for (int r = 0; r < count; r++) {
            float[] row = features.values()[from + r];
            double norm = 0;
            for (float v : row) {
                norm += (double) v * v;
            }
            double scale = 1 / Math.max(Math.sqrt(norm), 1e-12);
            for (int j = 0; j < d; j++) {
                out[r * d + j] = (float) (row[j] * scale);
            }
        }
        return out;
    }
}
