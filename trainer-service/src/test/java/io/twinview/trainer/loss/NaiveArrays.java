package io.twinview.trainer.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.SplittableRandom;
import java.util.function.BinaryOperator;
import java.util.function.DoubleSupplier;

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

    /**
     * Asserts that an autograd gradient is the central difference of a naive loss: each entry of
     * {@code x} is moved by +-h in place (and put back), and (L(x + h) - L(x - h)) / 2h must be within
     * max(absolute, relative x |difference|) of {@code gradient}'s entry.
     *
     * @param x (n, d) the input the gradient is of; {@code loss} reads it
     * @param gradient row-major (n, d)
     * @param what names the input in the failure message, e.g. dL/dz1
     */
    public static void assertGradient(
            double[][] x,
            float[] gradient,
            DoubleSupplier loss,
            double h,
            double absolute,
            double relative,
            String what) {
        int d = x[0].length;
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < d; j++) {
                double keep = x[i][j];
                x[i][j] = keep + h;
                double up = loss.getAsDouble();
                x[i][j] = keep - h;
                double down = loss.getAsDouble();
                x[i][j] = keep;
                double expected = (up - down) / (2 * h);
                assertEquals(
                        expected,
                        gradient[i * d + j],
                        Math.max(absolute, relative * Math.abs(expected)),
                        what + "[" + i + "][" + j + "] from autograd agrees with the naive loss's finite difference");
            }
        }
    }

    /**
     * The autograd gradients of {@code loss(a, b)} with respect to both inputs, the reference
     * {@link #assertGradient} compares against a naive loss.
     *
     * @return {dL/da, dL/db}, each row-major like its input
     */
    public static float[][] gradients(BinaryOperator<NDArray> loss, double[][] a, double[][] b) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(flat(a), new Shape(a.length, a[0].length));
            NDArray y = manager.create(flat(b), new Shape(b.length, b[0].length));
            x.setRequiresGradient(true);
            y.setRequiresGradient(true);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                collector.backward(loss.apply(x, y));
            }
            return new float[][] {
                x.getGradient().toFloatArray(), y.getGradient().toFloatArray()
            };
        }
    }
}
