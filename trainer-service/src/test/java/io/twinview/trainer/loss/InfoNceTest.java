package io.twinview.trainer.loss;

import static io.twinview.trainer.loss.NaiveArrays.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class InfoNceTest {

    /**
     * Plain loops in double precision from MoCo's eq. 1, sharing no code with InfoNce:
     * mean over queries of -log(exp(q.k+/t) / (exp(q.k+/t) + sum_j exp(q.n_j/t))).
     */
    static double naive(double[][] q, double[][] k, double[][] negatives, double tau) {
        double total = 0;
        for (int i = 0; i < q.length; i++) {
            double[] query = unit(q[i]);
            double positive = Math.exp(dot(query, unit(k[i])) / tau);
            double denominator = positive;
            for (double[] negative : negatives) {
                denominator += Math.exp(dot(query, negative) / tau);
            }
            total += -Math.log(positive / denominator);
        }
        return total / q.length;
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

    private static double[][] unitRows(double[][] x) {
        double[][] u = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            u[i] = unit(x[i]);
        }
        return u;
    }

    private static NDArray array(NDManager manager, double[][] x) {
        float[] out = new float[x.length * x[0].length];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[0].length; j++) {
                out[i * x[0].length + j] = (float) x[i][j];
            }
        }
        return manager.create(out, new Shape(x.length, x[0].length));
    }

    @Test
    void valueMatchesNaiveImplementation() {
        SplittableRandom random = new SplittableRandom(7);
        for (double tau : new double[] {0.07, 0.2, 1.0}) {
            double[][] q = random(random, 4, 3);
            double[][] k = random(random, 4, 3);
            double[][] negatives = unitRows(random(random, 6, 3));
            try (NDManager manager = NDManager.newBaseManager()) {
                double loss = InfoNce.loss(array(manager, q), array(manager, k), array(manager, negatives), tau)
                        .getFloat();
                assertEquals(
                        naive(q, k, negatives, tau),
                        loss,
                        1e-4 * Math.max(1, loss),
                        "InfoNCE at tau=" + tau + " agrees with MoCo's eq. 1");
            }
        }
    }

    @Test
    void aQueryEqualToItsKeyAgainstOrthogonalNegativesHasTheClosedFormLoss() {
        double tau = 0.2;
        double[][] q = {{1, 0, 0}};
        double[][] negatives = {{0, 1, 0}, {0, 0, 1}, {0, -1, 0}};
        try (NDManager manager = NDManager.newBaseManager()) {
            double loss = InfoNce.loss(array(manager, q), array(manager, q), array(manager, negatives), tau)
                    .getFloat();
            double expected = -Math.log(Math.exp(1 / tau) / (Math.exp(1 / tau) + 3));
            assertEquals(expected, loss, 1e-6, "the positive sits at index 0 of the (1+K)-way cross-entropy");
        }
    }

    @Test
    void gradientMatchesFiniteDifferencesOfNaiveImplementation() {
        SplittableRandom random = new SplittableRandom(11);
        double tau = 0.2;
        double[][] q = random(random, 3, 4);
        double[][] k = random(random, 3, 4);
        double[][] negatives = unitRows(random(random, 5, 4));
        float[][] gradients =
                NaiveArrays.gradients((a, b) -> InfoNce.loss(a, b, array(a.getManager(), negatives), tau), q, k);
        float[] gradQ = gradients[0];
        float[] gradK = gradients[1];
        NaiveArrays.assertGradient(q, gradQ, () -> naive(q, k, negatives, tau), 1e-5, 1e-3, 0, "dL/dq");
        NaiveArrays.assertGradient(
                k,
                gradK,
                () -> naive(q, k, negatives, tau),
                1e-5,
                1e-3,
                0,
                "dL/dk (MoCo cuts it at the key network, not here)");
    }

    @Test
    void harderNegativesRaiseTheLoss() {
        SplittableRandom random = new SplittableRandom(3);
        double[][] q = random(random, 4, 8);
        double[][] far = unitRows(random(random, 16, 8));
        double[][] near = new double[16][];
        for (int j = 0; j < 16; j++) {
            near[j] = unit(q[j % 4]); // negatives that look like the queries themselves
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            double easy = InfoNce.loss(array(manager, q), array(manager, q), array(manager, far), 0.2)
                    .getFloat();
            double hard = InfoNce.loss(array(manager, q), array(manager, q), array(manager, near), 0.2)
                    .getFloat();
            assertTrue(easy < hard, "negatives close to the query make the task harder: " + easy + " vs " + hard);
        }
    }
}
