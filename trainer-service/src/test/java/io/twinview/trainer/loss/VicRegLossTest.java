package io.twinview.trainer.loss;

import static io.twinview.trainer.loss.NaiveArrays.flat;
import static io.twinview.trainer.loss.NaiveArrays.random;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class VicRegLossTest {

    /** The paper's Algorithm 1 in plain loops, in double, sharing nothing with the implementation. */
    static double naive(double[][] za, double[][] zb, double lambda, double mu, double nu) {
        int n = za.length;
        int d = za[0].length;
        double sim = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                sim += (za[i][j] - zb[i][j]) * (za[i][j] - zb[i][j]);
            }
        }
        sim /= (double) n * d; // F.mse_loss: the mean over all N x D entries
        return lambda * sim + mu * (std(za) + std(zb)) + nu * (cov(za) + cov(zb));
    }

    /** torch.mean(relu(1 - sqrt(z.var(dim=0) + 1e-4))), var unbiased. */
    private static double std(double[][] z) {
        double total = 0;
        for (double var : NaiveArrays.columnVariances(z, z.length - 1)) {
            total += Math.max(0, 1 - Math.sqrt(var + 1e-4));
        }
        return total / z[0].length;
    }

    /** off_diagonal((z - mean)^T (z - mean) / (N - 1)).pow(2).sum() / D. */
    private static double cov(double[][] z) {
        int d = z[0].length;
        double[] mean = NaiveArrays.columnMeans(z);
        double total = 0;
        for (int a = 0; a < d; a++) {
            for (int b = 0; b < d; b++) {
                if (a == b) {
                    continue;
                }
                double c = 0;
                for (double[] row : z) {
                    c += (row[a] - mean[a]) * (row[b] - mean[b]);
                }
                c /= z.length - 1;
                total += c * c;
            }
        }
        return total / d;
    }

    private static double[][] scaled(double[][] z, double factor) {
        double[][] out = new double[z.length][];
        for (int i = 0; i < z.length; i++) {
            out[i] = z[i].clone();
            for (int j = 0; j < out[i].length; j++) {
                out[i][j] *= factor;
            }
        }
        return out;
    }

    private static double value(double[][] z1, double[][] z2, double lambda, double mu, double nu) {
        try (NDManager manager = NDManager.newBaseManager()) {
            int n = z1.length;
            int d = z1[0].length;
            return VicRegLoss.loss(
                            manager.create(flat(z1), new Shape(n, d)),
                            manager.create(flat(z2), new Shape(n, d)),
                            lambda,
                            mu,
                            nu)
                    .getFloat();
        }
    }

    @Test
    void valueMatchesTheNaiveAlgorithm() {
        SplittableRandom random = new SplittableRandom(17);
        for (double spread : new double[] {0.3, 1, 4}) { // std below 1 (the hinge active), around it, above it
            double[][] z1 = scaled(random(random, 9, 5), spread);
            double[][] z2 = scaled(random(random, 9, 5), spread);
            double expected = naive(z1, z2, 25, 25, 1);
            assertEquals(
                    expected,
                    value(z1, z2, 25, 25, 1),
                    1e-5 * Math.max(1, Math.abs(expected)),
                    "lambda s + mu (v + v') + nu (c + c') at spread " + spread);
        }
    }

    @Test
    void eachTermIsWeightedByItsOwnCoefficient() {
        SplittableRandom random = new SplittableRandom(19);
        double[][] z1 = scaled(random(random, 7, 4), 0.5);
        double[][] z2 = scaled(random(random, 7, 4), 0.5);
        assertEquals(naive(z1, z2, 1, 0, 0), value(z1, z2, 1, 0, 0), 1e-6, "invariance alone");
        assertEquals(naive(z1, z2, 0, 1, 0), value(z1, z2, 0, 1, 0), 1e-6, "variance alone");
        assertEquals(naive(z1, z2, 0, 0, 1), value(z1, z2, 0, 0, 1), 1e-6, "covariance alone");
        assertEquals(0, value(z1, z1, 1, 0, 0), 0, "identical views: no invariance term");
    }

    @Test
    void gradientMatchesFiniteDifferencesOfTheNaiveAlgorithm() {
        SplittableRandom random = new SplittableRandom(23);
        int n = 6;
        int d = 4;
        double[][] z1 = scaled(random(random, n, d), 0.6);
        double[][] z2 = scaled(random(random, n, d), 0.6);
        float[][] gradients = NaiveArrays.gradients((a, b) -> VicRegLoss.loss(a, b, 25, 25, 1), z1, z2);
        NaiveArrays.assertGradient(z1, gradients[0], () -> naive(z1, z2, 25, 25, 1), 1e-6, 2e-3, 2e-3, "dL/dz1");
        NaiveArrays.assertGradient(z2, gradients[1], () -> naive(z1, z2, 25, 25, 1), 1e-6, 2e-3, 2e-3, "dL/dz2");
    }
}
