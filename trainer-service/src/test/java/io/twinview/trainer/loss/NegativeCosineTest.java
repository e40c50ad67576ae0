package io.twinview.trainer.loss;

import static io.twinview.trainer.loss.NaiveArrays.flat;
import static io.twinview.trainer.loss.NaiveArrays.random;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

class NegativeCosineTest {

    /** SimSiam's D(p, z) in plain loops, double precision: minus the mean of p_i.z_i / (|p_i| |z_i|). */
    static double naiveD(double[][] p, double[][] z) {
        double total = 0;
        for (int i = 0; i < p.length; i++) {
            double dot = 0;
            double pp = 0;
            double zz = 0;
            for (int j = 0; j < p[i].length; j++) {
                dot += p[i][j] * z[i][j];
                pp += p[i][j] * p[i][j];
                zz += z[i][j] * z[i][j];
            }
            total += dot / (Math.sqrt(pp) * Math.sqrt(zz));
        }
        return -total / p.length;
    }

    /** BYOL's eq. 2 as written: the mean squared distance of the L2-normalised rows. */
    static double naiveRegression(double[][] p, double[][] z) {
        double total = 0;
        for (int i = 0; i < p.length; i++) {
            double pn = 0;
            double zn = 0;
            for (int j = 0; j < p[i].length; j++) {
                pn += p[i][j] * p[i][j];
                zn += z[i][j] * z[i][j];
            }
            pn = Math.sqrt(pn);
            zn = Math.sqrt(zn);
            for (int j = 0; j < p[i].length; j++) {
                double diff = p[i][j] / pn - z[i][j] / zn;
                total += diff * diff;
            }
        }
        return total / p.length;
    }

    @Test
    void valuesMatchTheNaiveFormulas() {
        SplittableRandom random = new SplittableRandom(5);
        for (int trial = 0; trial < 3; trial++) {
            double[][] p = random(random, 5, 4);
            double[][] z = random(random, 5, 4);
            try (NDManager manager = NDManager.newBaseManager()) {
                NDArray a = manager.create(flat(p), new Shape(5, 4));
                NDArray b = manager.create(flat(z), new Shape(5, 4));
                assertEquals(
                        naiveD(p, z),
                        NegativeCosine.loss(a, b).getFloat(),
                        1e-5,
                        "D(p, z) is minus the mean cosine (SimSiam eq. 1)");
                assertEquals(
                        naiveRegression(p, z),
                        NegativeCosine.regression(a, b).getFloat(),
                        1e-5,
                        "BYOL's loss is the mean squared distance of the normalised vectors (eq. 2)");
                assertEquals(0, NegativeCosine.loss(a, b).getShape().dimension(), "a scalar");
            }
        }
    }

    @Test
    void handValuesAtTheExtremes() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray p = manager.create(new float[] {1, 0, 0, 2}, new Shape(2, 2));
            NDArray same = manager.create(new float[] {3, 0, 0, 0.5f}, new Shape(2, 2));
            NDArray opposite = manager.create(new float[] {-1, 0, 0, -7}, new Shape(2, 2));
            NDArray orthogonal = manager.create(new float[] {0, 1, 4, 0}, new Shape(2, 2));
            assertEquals(
                    -1, NegativeCosine.loss(p, same).getFloat(), 1e-6, "aligned rows: D = -1 whatever their lengths");
            assertEquals(1, NegativeCosine.loss(p, opposite).getFloat(), 1e-6, "opposite rows: D = 1");
            assertEquals(0, NegativeCosine.regression(p, same).getFloat(), 1e-6, "aligned rows: BYOL's loss is 0");
            assertEquals(4, NegativeCosine.regression(p, opposite).getFloat(), 1e-6, "opposite rows: 2 - 2(-1) = 4");
            assertEquals(2, NegativeCosine.regression(p, orthogonal).getFloat(), 1e-6, "orthogonal rows: 2");
        }
    }

    @Test
    void gradientsMatchFiniteDifferencesOfTheNaiveFormulas() {
        check(NegativeCosine::loss, NegativeCosineTest::naiveD, "D");
        check(NegativeCosine::regression, NegativeCosineTest::naiveRegression, "BYOL regression");
    }

    private static void check(
            BiFunction<NDArray, NDArray, NDArray> loss, BiFunction<double[][], double[][], Double> naive, String name) {
        SplittableRandom random = new SplittableRandom(13);
        int n = 3;
        int d = 4;
        double[][] p = random(random, n, d);
        double[][] z = random(random, n, d);
        float[][] gradients = NaiveArrays.gradients(loss::apply, p, z);
        float[] gradP = gradients[0];
        float[] gradZ = gradients[1];
        NaiveArrays.assertGradient(p, gradP, () -> naive.apply(p, z), 1e-6, 1e-4, 0, name + ": d/dp");
        NaiveArrays.assertGradient(z, gradZ, () -> naive.apply(p, z), 1e-6, 1e-4, 0, name + ": d/dz");
    }

    /** BYOL's L + L~ (DirectPred's too), the targets detached as the EMA target network hands them over. */
    private static double naiveSymmetricRegression(double[][] p1, double[][] z2, double[][] p2, double[][] z1) {
        double total = 0;
        for (int i = 0; i < p1.length; i++) {
            total += 2 - 2 * cosine(p1[i], z2[i]) + 2 - 2 * cosine(p2[i], z1[i]);
        }
        return total / p1.length;
    }

    private static double cosine(double[] a, double[] b) {
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int j = 0; j < a.length; j++) {
            ab += a[j] * b[j];
            aa += a[j] * a[j];
            bb += b[j] * b[j];
        }
        return ab / Math.sqrt(aa * bb);
    }

    @Test
    void symmetricRegressionValueAndGradientMatchTheNaiveLossAndDetachedTargetsGetNoGradient() {
        SplittableRandom random = new SplittableRandom(13);
        int n = 3;
        int d = 4;
        double[][][] x = {random(random, n, d), random(random, n, d), random(random, n, d), random(random, n, d)};
        float[][] gradients = new float[4][];
        double value;
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray[] arrays = new NDArray[4];
            for (int k = 0; k < 4; k++) {
                arrays[k] = manager.create(flat(x[k]), new Shape(n, d));
                arrays[k].setRequiresGradient(true);
            }
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray loss = NegativeCosine.symmetricRegression(
                        arrays[0], arrays[1].stopGradient(), arrays[2], arrays[3].stopGradient());
                value = loss.getFloat();
                collector.backward(loss);
            }
            for (int k = 0; k < 4; k++) {
                gradients[k] = arrays[k].getGradient().toFloatArray();
            }
        }
        assertEquals(
                naiveSymmetricRegression(x[0], x[1], x[2], x[3]),
                value,
                1e-5,
                "L = mean of (2 - 2cos(p1, z2)) + (2 - 2cos(p2, z1))");
        for (int k : new int[] {0, 2}) {
            NaiveArrays.assertGradient(
                    x[k],
                    gradients[k],
                    () -> naiveSymmetricRegression(x[0], x[1], x[2], x[3]),
                    1e-6,
                    1e-4,
                    0,
                    "dL/dp" + (k == 0 ? 1 : 2));
        }
        for (int k : new int[] {1, 3}) {
            for (float g : gradients[k]) {
                assertEquals(0, g, 0, "stop-gradient: nothing flows into the target projections");
            }
        }
    }
}
