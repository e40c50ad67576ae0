package io.twinview.eval.probe;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * The multinomial logistic regression objective on standardised rows:
 * <pre>
 *   f(W, b) = (1/n) sum_i [ logsumexp(W x_i + b) - (W x_i + b)_{y_i} ] + (l2/2) ||W||_F^2
 *   df/dW_c = (1/n) sum_i (p_ic - [y_i = c]) x_i + l2 W_c,   df/db_c = (1/n) sum_i (p_ic - [y_i = c])
 * </pre>
 * The bias is not regularised. Parameters are one vector: W row-major (C, d), then b (C).
 *
 * <p>Rows are processed in fixed blocks of {@value #BLOCK_ROWS} on the common fork-join pool and
 * the block sums added in block order, so the value and gradient are bitwise the same whatever the
 * number of threads. Inside a block, rows go four at a time: the forward pass keeps 4 rows x 2
 * classes of partial sums in registers, the backward pass is an axpy over separate row arrays
 * (which HotSpot vectorises; over offsets into one flat array it does not). Measured on this
 * machine's 2 cores, about 3.5 and 7 GMAC/s per thread.
 */
final class SoftmaxRegression implements Lbfgs.Objective {

    static final int BLOCK_ROWS = 256;
    private static final int GROUP = 4;

    private final double[][] x;
    private final int[] y;
    private final int n;
    private final int d;
    private final int classes;
    private final double l2;

    /**
     * @param x (n) standardised rows of d features
     * @param y (n) labels in 0..classes-1
     */
    SoftmaxRegression(double[][] x, int[] y, int d, int classes, double l2) {
        if (x.length != y.length) {
            throw new IllegalArgumentException(x.length + " rows but " + y.length + " labels");
        }
        this.x = x;
        this.y = y;
        this.n = y.length;
        this.d = d;
        this.classes = classes;
        this.l2 = l2;
    }

    @Override
    public int dimension() {
        return classes * d + classes;
    }

    @Override
    public double evaluate(double[] theta, double[] gradient) {
        double[][] w = new double[classes][];
        for (int c = 0; c < classes; c++) {
            w[c] = Arrays.copyOfRange(theta, c * d, (c + 1) * d);
        }
        double[] bias = Arrays.copyOfRange(theta, classes * d, classes * d + classes);
        int blocks = (n + BLOCK_ROWS - 1) / BLOCK_ROWS;
        double[][][] blockGradients = new double[blocks][][];
        double[] blockLosses = new double[blocks];
        IntStream.range(0, blocks).parallel().forEach(b -> {
            double[][] g = new double[classes + 1][]; // (C, d) weight gradient, then the (C) bias gradient
            for (int c = 0; c < classes; c++) {
                g[c] = new double[d];
            }
            g[classes] = new double[classes];
            blockLosses[b] = block(w, bias, b * BLOCK_ROWS, Math.min(n, (b + 1) * BLOCK_ROWS), g);
            blockGradients[b] = g;
        });
        Arrays.fill(gradient, 0);
        double loss = 0;
        for (int b = 0; b < blocks; b++) {
            loss += blockLosses[b];
            double[][] g = blockGradients[b];
            for (int c = 0; c < classes; c++) {
                double[] gc = g[c];
                int offset = c * d;
                for (int j = 0; j < d; j++) {
                    gradient[offset + j] += gc[j];
                }
                gradient[classes * d + c] += g[classes][c];
            }
        }
        double penalty = 0;
        int weights = classes * d;
        for (int i = 0; i < gradient.length; i++) {
            gradient[i] /= Math.max(n, 1);
            if (i < weights) {
                gradient[i] += l2 * theta[i];
                penalty += theta[i] * theta[i];
            }
        }
        return loss / Math.max(n, 1) + 0.5 * l2 * penalty;
    }

    /**
     * Summed cross-entropy of rows [from, to); adds their summed gradient (without the penalty)
     * into g: (C) rows of d, then the (C) bias gradient.
     */
    private double block(double[][] w, double[] bias, int from, int to, double[][] g) {
        double[][] z = new double[GROUP][classes];
        double[] gBias = g[classes];
        double loss = 0;
        int i = from;
        for (; i + GROUP <= to; i += GROUP) {
            double[] x0 = x[i];
            double[] x1 = x[i + 1];
            double[] x2 = x[i + 2];
            double[] x3 = x[i + 3];
            int c = 0;
            for (; c + 2 <= classes; c += 2) {
                double[] wa = w[c];
                double[] wb = w[c + 1];
                double a0 = 0;
                double a1 = 0;
                double a2 = 0;
                double a3 = 0;
                double b0 = 0;
                double b1 = 0;
                double b2 = 0;
                double b3 = 0;
                for (int j = 0; j < d; j++) {
                    double va = wa[j];
                    double vb = wb[j];
                    double y0 = x0[j];
                    double y1 = x1[j];
                    double y2 = x2[j];
                    double y3 = x3[j];
                    a0 += va * y0;
                    a1 += va * y1;
                    a2 += va * y2;
                    a3 += va * y3;
                    b0 += vb * y0;
                    b1 += vb * y1;
                    b2 += vb * y2;
                    b3 += vb * y3;
                }
                z[0][c] = a0;
                z[1][c] = a1;
                z[2][c] = a2;
                z[3][c] = a3;
                z[0][c + 1] = b0;
                z[1][c + 1] = b1;
                z[2][c + 1] = b2;
                z[3][c + 1] = b3;
            }
            if (c < classes) {
                double[] wa = w[c];
                double a0 = 0;
                double a1 = 0;
                double a2 = 0;
                double a3 = 0;
                for (int j = 0; j < d; j++) {
                    double va = wa[j];
                    a0 += va * x0[j];
                    a1 += va * x1[j];
                    a2 += va * x2[j];
                    a3 += va * x3[j];
                }
                z[0][c] = a0;
                z[1][c] = a1;
                z[2][c] = a2;
                z[3][c] = a3;
            }
            for (int r = 0; r < GROUP; r++) {
                loss += residuals(bias, z[r], y[i + r]);
            }
            for (c = 0; c < classes; c++) {
                double[] gc = g[c];
                double r0 = z[0][c];
                double r1 = z[1][c];
                double r2 = z[2][c];
                double r3 = z[3][c];
                gBias[c] += (r0 + r1) + (r2 + r3);
                for (int j = 0; j < d; j++) {
                    gc[j] += r0 * x0[j] + r1 * x1[j] + r2 * x2[j] + r3 * x3[j];
                }
            }
        }
        double[] zr = z[0];
        for (; i < to; i++) {
            double[] row = x[i];
            for (int c = 0; c < classes; c++) {
                zr[c] = dot(w[c], row);
            }
            loss += residuals(bias, zr, y[i]);
            for (int c = 0; c < classes; c++) {
                double[] gc = g[c];
                double r = zr[c];
                gBias[c] += r;
                for (int j = 0; j < d; j++) {
                    gc[j] += r * row[j];
                }
            }
        }
        return loss;
    }

    /**
     * Turns {@code z} (C) from W x (bias not yet added) into the residuals p - onehot(label) and
     * returns the row's cross-entropy.
     */
    private double residuals(double[] bias, double[] z, int label) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            z[c] += bias[c];
            max = Math.max(max, z[c]);
        }
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            sum += Math.exp(z[c] - max);
        }
        double logNormaliser = max + Math.log(sum);
        double loss = logNormaliser - z[label];
        for (int c = 0; c < classes; c++) {
            z[c] = Math.exp(z[c] - logNormaliser) - (c == label ? 1 : 0); // p_c - [label = c]
        }
        return loss;
    }

    /** a . b, four partial sums for instruction-level parallelism. */
    static double dot(double[] a, double[] b) {
        int length = a.length;
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int j = 0;
        for (; j + 4 <= length; j += 4) {
            s0 += a[j] * b[j];
            s1 += a[j + 1] * b[j + 1];
            s2 += a[j + 2] * b[j + 2];
            s3 += a[j + 3] * b[j + 3];
        }
        for (; j < length; j++) {
            s0 += a[j] * b[j];
        }
        return (s0 + s1) + (s2 + s3);
    }
}
