package io.twinview.trainer.loss;

import java.util.SplittableRandom;

/** Small double-precision matrices for the naive reference implementations of the loss tests. */
public final class NaiveArrays {

    private NaiveArrays() {}

    /** (n, d) entries uniform in [-1, 1). */
    public static double[][] random(SplittableRandom random, int n, int d) {
        double[][] x = new double[n][d];
        for (double[] row : x) {
            for (int j = 0; j < d; j++) {
                row[j] = random.nextDouble() * 2 - 1;
            }
        }
        return x;
    }

    /** Row-major float copy of (n, d) {@code x}, as NDManager.create takes it. */
    public static float[] flat(double[][] x) {
        float[] out = new float[x.length * x[0].length];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[0].length; j++) {
                out[i * x[0].length + j] = (float) x[i][j];
            }
        }
        return out;
    }

    /** The mean of each column of (n, d) {@code x}. */
    public static double[] columnMeans(double[][] x) {
        double[] mean = new double[x[0].length];
        for (double[] row : x) {
            for (int j = 0; j < mean.length; j++) {
                mean[j] += row[j];
            }
        }
        for (int j = 0; j < mean.length; j++) {
            mean[j] /= x.length;
        }
        return mean;
    }

    /** Each column's squared deviations from its mean, summed, over {@code divisor} (n: biased, n - 1: unbiased). */
    public static double[] columnVariances(double[][] x, double divisor) {
        double[] mean = columnMeans(x);
        double[] variance = new double[mean.length];
        for (double[] row : x) {
            for (int j = 0; j < mean.length; j++) {
                variance[j] += (row[j] - mean[j]) * (row[j] - mean[j]);
            }
        }
        for (int j = 0; j < mean.length; j++) {
            variance[j] /= divisor;
        }
        return variance;
    }
}
