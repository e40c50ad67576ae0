package io.twinview.trainer.loss;

import static io.twinview.trainer.loss.NaiveArrays.flat;
import static io.twinview.trainer.loss.NaiveArrays.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.twinview.trainer.loss.BarlowTwinsLoss.OffDiagonal;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BarlowTwinsLossTest {

    private static final List<OffDiagonal> REDUCTIONS =
            List.of(new OffDiagonal.Sum(5.1e-3), new OffDiagonal.Sum(0.5), new OffDiagonal.Mean());

    /** Column-wise (x - mean) / sqrt(biased var + 1e-5), plain loops in double. */
    static double[][] naiveBatchNorm(double[][] z) {
        double[] mean = NaiveArrays.columnMeans(z);
        double[] variance = NaiveArrays.columnVariances(z, z.length);
        double[][] out = new double[z.length][mean.length];
        for (int i = 0; i < z.length; i++) {
            for (int j = 0; j < mean.length; j++) {
                out[i][j] = (z[i][j] - mean[j]) / Math.sqrt(variance[j] + 1e-5);
            }
        }
        return out;
    }

    /**
     * The paper's algorithm 1 in plain loops: C = bn(z1)^T bn(z2) / N, then on-diagonal squares
     * summed and off-diagonal squares reduced as the strategy says, written without its weight().
     */
    static double naive(double[][] z1, double[][] z2, OffDiagonal reduction) {
        int n = z1.length;
        int d = z1[0].length;
        double[][] a = naiveBatchNorm(z1);
        double[][] b = naiveBatchNorm(z2);
        double onDiagonal = 0;
        double offDiagonal = 0;
        int offDiagonalCount = 0;
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double c = 0;
                for (int k = 0; k < n; k++) {
                    c += a[k][i] * b[k][j];
                }
                c /= n;
                if (i == j) {
                    onDiagonal += (1 - c) * (1 - c);
                } else {
                    offDiagonal += c * c;
                    offDiagonalCount++;
                }
            }
        }
        if (reduction instanceof OffDiagonal.Sum sum) {
            return onDiagonal + sum.lambda() * offDiagonal;
        }
        return onDiagonal + offDiagonal / offDiagonalCount;
    }

    /** z2 = z1 plus a little noise: views that mostly agree, as after some training. */
    private static double[][] noisyCopy(SplittableRandom random, double[][] z, double noise) {
        double[][] out = new double[z.length][];
        for (int i = 0; i < z.length; i++) {
            out[i] = z[i].clone();
            for (int j = 0; j < out[i].length; j++) {
                out[i][j] += noise * (random.nextDouble() * 2 - 1);
            }
        }
        return out;
    }

    @Test
    void batchNormalisationIsExact() {
        double[][] z = random(new SplittableRandom(5), 7, 3);
        z[0][1] += 4; // columns of different scale and offset
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] actual = BarlowTwinsLoss.batchNormalize(manager.create(flat(z), new Shape(7, 3)))
                    .toFloatArray();
            double[][] expected = naiveBatchNorm(z);
            for (int i = 0; i < 7; i++) {
                for (int j = 0; j < 3; j++) {
                    assertEquals(
                            expected[i][j],
                            actual[i * 3 + j],
                            1e-5,
                            "bn(z)[" + i + "][" + j + "] is (z - batch mean) / sqrt(biased batch variance + 1e-5)");
                }
            }
        }
    }

    @Test
    void offDiagonalWeightsAreLambdaOrOneOverTheEntryCount() {
        assertEquals(
                5.1e-3, new OffDiagonal.Sum(5.1e-3).weight(2048), 0, "the paper's sum weighs each square by lambda");
        assertEquals(
                1.0 / (2048.0 * 2047.0),
                new OffDiagonal.Mean().weight(2048),
                0,
                "the mean weighs each of the D(D-1) squares by 1 / (D(D-1))");
        assertEquals(0, new OffDiagonal.Mean().weight(1), 0, "one dimension has no off-diagonal entries to average");
    }

    @Test
    void valueMatchesNaiveImplementation() {
        SplittableRandom random = new SplittableRandom(7);
        for (OffDiagonal reduction : REDUCTIONS) {
            double[][] z1 = random(random, 8, 5);
            double[][] z2 = random.nextBoolean() ? random(random, 8, 5) : noisyCopy(random, z1, 0.3);
            try (NDManager manager = NDManager.newBaseManager()) {
                double loss = BarlowTwinsLoss.loss(
                                manager.create(flat(z1), new Shape(8, 5)),
                                manager.create(flat(z2), new Shape(8, 5)),
                                reduction)
                        .getFloat();
                double expected = naive(z1, z2, reduction);
                assertEquals(
                        expected,
                        loss,
                        1e-5 * Math.max(1, Math.abs(expected)),
                        "Barlow Twins loss with " + reduction + " agrees with the paper's algorithm");
            }
        }
    }

    @Test
    void gradientMatchesFiniteDifferencesOfNaiveImplementation() {
        SplittableRandom random = new SplittableRandom(11);
        int n = 6;
        int d = 4;
        for (OffDiagonal reduction : REDUCTIONS) {
            double[][] z1 = random(random, n, d);
            double[][] z2 = noisyCopy(random, z1, 0.5);
            float[][] gradients = NaiveArrays.gradients((a, b) -> BarlowTwinsLoss.loss(a, b, reduction), z1, z2);
            float[] gradient1 = gradients[0];
            float[] gradient2 = gradients[1];
            NaiveArrays.assertGradient(
                    z1, gradient1, () -> naive(z1, z2, reduction), 1e-6, 2e-3, 2e-3, "dL/dz1 with " + reduction);
            NaiveArrays.assertGradient(
                    z2, gradient2, () -> naive(z1, z2, reduction), 1e-6, 2e-3, 2e-3, "dL/dz2 with " + reduction);
        }
    }

    @Test
    void agreeingDecorrelatedViewsScoreBelowMismatchedOnes() {
        SplittableRandom random = new SplittableRandom(3);
        double[][] z = random(random, 64, 4);
        double[][] shuffled = new double[64][];
        for (int i = 0; i < 64; i++) {
            shuffled[i] = z[(i + 1) % 64];
        }
        for (OffDiagonal reduction : REDUCTIONS) {
            try (NDManager manager = NDManager.newBaseManager()) {
                NDArray same = manager.create(flat(z), new Shape(64, 4));
                double aligned = BarlowTwinsLoss.loss(same, same, reduction).getFloat();
                double mixed = BarlowTwinsLoss.loss(same, manager.create(flat(shuffled), new Shape(64, 4)), reduction)
                        .getFloat();
                assertTrue(
                        aligned < mixed,
                        reduction + ": identical views (C near the identity on the diagonal) score "
                                + "below pairs of different images, got " + aligned + " vs " + mixed);
            }
        }
    }
}
