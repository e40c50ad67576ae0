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
}
