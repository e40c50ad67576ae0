package io.twinview.eval.probe;

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
 * number of threads.
 */
final class SoftmaxRegression implements Lbfgs.Objective {

    static final int BLOCK_ROWS = 256;
    private static final int GROUP = 4;

    private final double[] x;
    private final int[] y;
    private final int n;
    private final int d;
    private final int classes;
    private final double l2;

    /**
     * @param x row-major (n, d) standardised features
     * @param y (n) labels in 0..classes-1
     */
    SoftmaxRegression(double[] x, int[] y, int d, int classes, double l2) {
        this.x = x;
        this.y = y;
        this.n = y.length;
        this.d = d;
        this.classes = classes;
        this.l2 = l2;
        if (x.length != n * d) {
            throw new IllegalArgumentException("x has " + x.length + " values, expected n * d = " + n + " * " + d);
        }
    }

    @Override
    public int dimension() {
        return classes * d + classes;
    }

    @Override
    public double evaluate(double[] theta, double[] gradient) {
        int blocks = (n + BLOCK_ROWS - 1) / BLOCK_ROWS;
        double[][] blockGradients = new double[blocks][];
        double[] blockLosses = new double[blocks];
        IntStream.range(0, blocks).parallel().forEach(b -> {
            double[] g = new double[dimension()];
            blockLosses[b] = block(theta, b * BLOCK_ROWS, Math.min(n, (b + 1) * BLOCK_ROWS), g);
            blockGradients[b] = g;
        });
        java.util.Arrays.fill(gradient, 0);
        double loss = 0;
        for (int b = 0; b < blocks; b++) {
            loss += blockLosses[b];
            double[] g = blockGradients[b];
            for (int i = 0; i < gradient.length; i++) {
                gradient[i] += g[i];
            }
        }
        double penalty = 0;
        int weights = classes * d;
        for (int i = 0; i < gradient.length; i++) {
            gradient[i] /= n;
            if (i < weights) {
                gradient[i] += l2 * theta[i];
                penalty += theta[i] * theta[i];
            }
        }
        return loss / n + 0.5 * l2 * penalty;
    }

    /**
     * Summed cross-entropy of rows [from, to); adds their summed gradient (without the penalty)
     * into g. Rows go in groups of {@value #GROUP} so that each weight loaded serves several rows
     * (the single-row form is load-bound).
     */
    private double block(double[] theta, int from, int to, double[] g) {
        double[][] residuals = new double[GROUP][classes];
        double loss = 0;
        int i = from;
        for (; i + GROUP <= to; i += GROUP) {
            int r0 = i * d;
            int r1 = r0 + d;
            int r2 = r1 + d;
            int r3 = r2 + d;
            for (int c = 0; c < classes; c++) {
                int w = c * d;
                double s0 = 0;
                double s1 = 0;
                double s2 = 0;
                double s3 = 0;
                for (int j = 0; j < d; j++) {
                    double weight = theta[w + j];
                    s0 += weight * x[r0 + j];
                    s1 += weight * x[r1 + j];
                    s2 += weight * x[r2 + j];
                    s3 += weight * x[r3 + j];
                }
                residuals[0][c] = s0;
                residuals[1][c] = s1;
                residuals[2][c] = s2;
                residuals[3][c] = s3;
            }
            for (int r = 0; r < GROUP; r++) {
                loss += residuals(theta, residuals[r], y[i + r]);
            }
            for (int c = 0; c < classes; c++) {
                int w = c * d;
                double a0 = residuals[0][c];
                double a1 = residuals[1][c];
                double a2 = residuals[2][c];
                double a3 = residuals[3][c];
                g[classes * d + c] += (a0 + a1) + (a2 + a3);
                for (int j = 0; j < d; j++) {
                    g[w + j] += a0 * x[r0 + j] + a1 * x[r1 + j] + a2 * x[r2 + j] + a3 * x[r3 + j];
                }
            }
        }
        double[] z = residuals[0];
        for (; i < to; i++) {
            int row = i * d;
            for (int c = 0; c < classes; c++) {
                z[c] = dot(theta, c * d, x, row, d);
            }
            loss += residuals(theta, z, y[i]);
            for (int c = 0; c < classes; c++) {
                int w = c * d;
                double a = z[c];
                g[classes * d + c] += a;
                for (int j = 0; j < d; j++) {
                    g[w + j] += a * x[row + j];
                }
            }
        }
        return loss;
    }

    /**
     * Turns {@code z} (C) from W x (bias not yet added) into the residuals p - onehot(label) and
     * returns the row's cross-entropy.
     */
    private double residuals(double[] theta, double[] z, int label) {
        int biasOffset = classes * d;
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
            z[c] += theta[biasOffset + c];
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

    /** a[aFrom ..] . b[bFrom ..] over length values, four partial sums for instruction-level parallelism. */
    static double dot(double[] a, int aFrom, double[] b, int bFrom, int length) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int j = 0;
        for (; j + 4 <= length; j += 4) {
            s0 += a[aFrom + j] * b[bFrom + j];
            s1 += a[aFrom + j + 1] * b[bFrom + j + 1];
            s2 += a[aFrom + j + 2] * b[bFrom + j + 2];
            s3 += a[aFrom + j + 3] * b[bFrom + j + 3];
        }
        for (; j < length; j++) {
            s0 += a[aFrom + j] * b[bFrom + j];
        }
        return (s0 + s1) + (s2 + s3);
    }
}
