package io.twinview.trainer.loss;

import static io.twinview.trainer.loss.NaiveArrays.flat;
import static io.twinview.trainer.loss.NaiveArrays.random;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class NtXentTest {

    /** Plain loops in double precision, written from the paper's equation, sharing no code with NtXent. */
    static double naive(double[][] z1, double[][] z2, double tau) {
        int n = z1.length;
        double[][] z = new double[2 * n][];
        for (int i = 0; i < n; i++) {
            z[i] = unit(z1[i]);
            z[i + n] = unit(z2[i]);
        }
        double total = 0;
        for (int i = 0; i < 2 * n; i++) {
            int positive = i < n ? i + n : i - n;
            double denominator = 0;
            for (int k = 0; k < 2 * n; k++) {
                if (k != i) {
                    denominator += Math.exp(dot(z[i], z[k]) / tau);
                }
            }
            total += -Math.log(Math.exp(dot(z[i], z[positive]) / tau) / denominator);
        }
        return total / (2 * n);
    }

    private static double[] unit(double[] v) {
        double norm = Math.sqrt(dot(v, v));
        double[] u = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            u[i] = v[i] / norm;
        }
        return u;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    @Test
    void valueMatchesNaiveImplementation() {
        SplittableRandom random = new SplittableRandom(7);
        for (double tau : new double[] {0.1, 0.5, 1.0}) {
            double[][] z1 = random(random, 4, 3);
            double[][] z2 = random(random, 4, 3);
            try (NDManager manager = NDManager.newBaseManager()) {
                NDArray a = manager.create(flat(z1), new Shape(4, 3));
                NDArray b = manager.create(flat(z2), new Shape(4, 3));
                double loss = NtXent.loss(a, b, tau).getFloat();
                assertEquals(
                        naive(z1, z2, tau),
                        loss,
                        1e-4,
                        "NT-Xent value at tau=" + tau + " agrees with the paper's formula");
            }
        }
    }

    @Test
    void gradientMatchesFiniteDifferencesOfNaiveImplementation() {
        SplittableRandom random = new SplittableRandom(11);
        double tau = 0.5;
        double[][] z1 = random(random, 3, 4);
        double[][] z2 = random(random, 3, 4);
        float[] gradient = NaiveArrays.gradients((a, b) -> NtXent.loss(a, b, tau), z1, z2)[0];
        NaiveArrays.assertGradient(z1, gradient, () -> naive(z1, z2, tau), 1e-5, 1e-3, 0, "dL/dz1");
    }

    @Test
    void perfectlyAlignedPairsGiveLowerLossThanShuffledPairs() {
        SplittableRandom random = new SplittableRandom(3);
        double[][] z = random(random, 8, 16);
        double[][] shuffled = new double[8][];
        for (int i = 0; i < 8; i++) {
            shuffled[i] = z[(i + 1) % 8];
        }
        assertEquals(
                true,
                naive(z, z, 0.2) < naive(z, shuffled, 0.2),
                "identical views are positives: NT-Xent is lower when the pairs agree");
        try (NDManager manager = NDManager.newBaseManager()) {
            double aligned = NtXent.loss(
                            manager.create(flat(z), new Shape(8, 16)), manager.create(flat(z), new Shape(8, 16)), 0.2)
                    .getFloat();
            double mixed = NtXent.loss(
                            manager.create(flat(z), new Shape(8, 16)),
                            manager.create(flat(shuffled), new Shape(8, 16)),
                            0.2)
                    .getFloat();
            assertEquals(
                    true,
                    aligned < mixed,
                    "NtXent ranks aligned pairs below shuffled ones, got " + aligned + " vs " + mixed);
        }
    }
}
