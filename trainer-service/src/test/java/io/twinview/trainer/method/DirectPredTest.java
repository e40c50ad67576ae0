package io.twinview.trainer.method;

import static io.twinview.trainer.loss.NaiveArrays.flat;
import static io.twinview.trainer.loss.NaiveArrays.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import io.twinview.model.EncoderKind;
import io.twinview.trainer.optim.OptimizerConfig;
import io.twinview.trainer.train.Learner;
import io.twinview.trainer.train.PairBatch;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class DirectPredTest {

    private static final int D = 16;
    private static final double RHO = 0.3;
    private static final double EPS = 0.01;
    private static final double MOMENTUM = 0.9;

    private static MethodSettings settings(int every) {
        MethodDefaults d = MethodDefaults.builder().build();
        return new MethodSettings(32, D, 2, d.predictorHiddenDim(), d.temperature(), MOMENTUM, 0, d.barlowLambda(), false,
                RHO, EPS, every, 1, 1);
    }

    private static Learner learner(int every) {
        return new Learner(new Learner.Config("directpred", EncoderKind.SMALL, 16, 3, settings(every),
                new OptimizerConfig("adam", 1e-3, 0.9, 1e-6, 0.001), Device.cpu()));
    }

    /** Pairs whose second view is the first plus a little noise. */
    private static PairBatch batch(long seed, int n) {
        Random random = new Random(seed);
        byte[] view1 = new byte[n * 16 * 16 * 3];
        random.nextBytes(view1);
        byte[] view2 = view1.clone();
        for (int i = 0; i < view2.length; i++) {
            view2[i] = (byte) Math.max(0, Math.min(255, (view2[i] & 0xff) + random.nextInt(21) - 10));
        }
        return new PairBatch(view1, view2, n, 16, 16, LongStream.range(0, n).toArray());
    }

    // ---- the predictor from F ----

    /** R diag(values) R^T, row-major. */
    private static double[] compose(double[][] r, double[] values) {
        int d = values.length;
        double[] m = new double[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                for (int k = 0; k < d; k++) {
                    m[i * d + j] += r[i][k] * values[k] * r[j][k];
                }
            }
        }
        return m;
    }

    private static double[][] identity(int d) {
        double[][] r = new double[d][d];
        for (int i = 0; i < d; i++) {
            r[i][i] = 1;
        }
        return r;
    }

    /** A rotation: Givens rotations in the (0,1), (1,2) and (0,3) planes, columns orthonormal. */
    private static double[][] rotation() {
        double[][] r = identity(4);
        int[][] planes = {{0, 1}, {1, 2}, {0, 3}};
        double[] angles = {0.7, -1.1, 0.4};
        for (int g = 0; g < planes.length; g++) {
            int a = planes[g][0];
            int b = planes[g][1];
            double c = Math.cos(angles[g]);
            double s = Math.sin(angles[g]);
            for (double[] row : r) {
                double x = row[a];
                double y = row[b];
                row[a] = c * x - s * y;
                row[b] = s * x + c * y;
            }
        }
        return r;
    }

    @Test
    void predictorOfADiagonalCorrelationIsTheSquareRootOfItsNormalisedEigenvaluesPlusEps() {
        double[] f = compose(identity(4), new double[] {4, 1, 0.25, 0});
        double[] w = DirectPred.predictorFromCorrelation(f, 4, EPS);
        double[] expected = compose(identity(4), new double[] {1 + EPS, 0.5 + EPS, 0.25 + EPS, EPS});
        assertArrayEquals(expected, w, 1e-12, "p_j = sqrt(s_j / max s) + eps on the diagonal, zero elsewhere");
    }

    @Test
    void predictorOfARotatedCorrelationSharesItsEigenvectors() {
        double[][] r = rotation();
        double[] f = compose(r, new double[] {9, 4, 1, -0.5}); // a negative eigenvalue, as noise can give
        double[] w = DirectPred.predictorFromCorrelation(f, 4, EPS);
        double[] expected = compose(r, new double[] {1 + EPS, 2.0 / 3 + EPS, 1.0 / 3 + EPS, EPS});
        assertArrayEquals(expected, w, 1e-12,
                "W_p = U diag(sqrt(max(s, 0) / max s) + eps) U^T in F's own eigenbasis; a negative eigenvalue gives eps");
    }

    @Test
    void predictorOfAZeroCorrelationIsEpsTimesIdentity() {
        double[] w = DirectPred.predictorFromCorrelation(new double[16], 4, EPS);
        assertArrayEquals(compose(identity(4), new double[] {EPS, EPS, EPS, EPS}), w, 1e-15,
                "with no positive eigenvalue every p_j is eps");
    }

    @Test
    void correlationEstimateStartsAtTheFirstBatchThenMovesByRho() {
        double[] first = {1, 2, 2, 5};
        double[] second = {3, -1, -1, 0.5};
        double[] f1 = DirectPred.updateCorrelation(null, first, RHO);
        assertArrayEquals(first, f1, 0, "the first estimate is the first batch's E[f f^T]");
        double[] f2 = DirectPred.updateCorrelation(f1, second, RHO);
        for (int i = 0; i < 4; i++) {
            assertEquals(RHO * first[i] + (1 - RHO) * second[i], f2[i], 0, "F <- rho F + (1 - rho) E[f f^T]");
        }
    }

    @Test
    void targetMomentumFollowsByolsCosineSchedule() {
        assertEquals(0.99, DirectPred.targetMomentum(0, 100, 0.99), 1e-15, "tau_0 = tau_base");
        assertEquals(0.995, DirectPred.targetMomentum(50, 100, 0.99), 1e-15, "halfway, tau is halfway to 1");
        assertEquals(1.0, DirectPred.targetMomentum(100, 100, 0.99), 1e-15, "tau_K = 1");
    }

    // ---- the loss ----

    private static double naiveLoss(double[][] p1, double[][] z2, double[][] p2, double[][] z1) {
        double total = 0;
        for (int i = 0; i < p1.length; i++) {
            total += 2 - 2 * cos(p1[i], z2[i]) + 2 - 2 * cos(p2[i], z1[i]);
        }
        return total / p1.length;
    }

    private static double cos(double[] a, double[] b) {
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
    void lossValueAndGradientMatchNaiveImplementationAndTargetsGetNoGradient() {
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
                NDArray loss = DirectPred.symmetricLoss(arrays[0], arrays[1], arrays[2], arrays[3]);
                value = loss.getFloat();
                collector.backward(loss);
            }
            for (int k = 0; k < 4; k++) {
                gradients[k] = arrays[k].getGradient().toFloatArray();
            }
        }
        assertEquals(naiveLoss(x[0], x[1], x[2], x[3]), value, 1e-5, "L = mean of (2 - 2cos(p1, z2)) + (2 - 2cos(p2, z1))");
        double h = 1e-6;
        for (int k : new int[] {0, 2}) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < d; j++) {
                    double keep = x[k][i][j];
                    x[k][i][j] = keep + h;
                    double up = naiveLoss(x[0], x[1], x[2], x[3]);
                    x[k][i][j] = keep - h;
                    double down = naiveLoss(x[0], x[1], x[2], x[3]);
                    x[k][i][j] = keep;
                    assertEquals((up - down) / (2 * h), gradients[k][i * d + j], 1e-4,
                            "dL/dp" + (k == 0 ? 1 : 2) + "[" + i + "][" + j + "] agrees with the naive loss's finite difference");
                }
            }
        }
        for (int k : new int[] {1, 3}) {
            for (float g : gradients[k]) {
                assertEquals(0, g, 0, "stop-gradient: nothing flows into the target projections");
            }
        }
    }

    // ---- the method in a learner ----

    private static DirectPred method(Learner learner) {
        return (DirectPred) learner.method();
    }

    private static float[] predictorWeight(Learner learner) {
        return learner.method().targetBlocks().get("predictor").getParameters().get("weight").getArray().toFloatArray();
    }

    private static float[] toFloats(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    @Test
    void blocksAndShapes() {
        try (Learner learner = learner(1)) {
            assertEquals(List.of("encoder", "projector"), List.copyOf(learner.method().trainableBlocks().keySet()),
                    "the optimizer trains the online encoder and projector only");
            assertEquals(List.of("predictor", "target-encoder", "target-projector"),
                    List.copyOf(learner.method().targetBlocks().keySet()), "predictor and target are saved but not trained");
            Parameter weight = learner.method().targetBlocks().get("predictor").getParameters().get("weight");
            assertEquals(new Shape(D, D), weight.getArray().getShape(), "the predictor is a d x d linear map");
            assertEquals(1, learner.method().targetBlocks().get("predictor").getParameters().size(), "without bias");
            assertTrue(learner.method().predictorAlignment().isEmpty(), "no alignment before F has been estimated");
            learner.step(batch(1, 8), 1e-3, 1, 10);
            assertEquals(D, learner.method().lastEmbeddingDim(), "the monitored embeddings are the online projections");
            assertEquals(8 * D, learner.method().lastEmbeddings().length, "one per first view");
        }
    }

    @Test
    void predictorIsSetFromFEveryKStepsAndNeverByTheOptimizer() {
        int every = 3;
        try (Learner learner = learner(every)) {
            Parameter weight = learner.method().targetBlocks().get("predictor").getParameters().get("weight");
            float[] previous = predictorWeight(learner);
            double[] previousF = null;
            for (int step = 1; step <= 7; step++) {
                learner.step(batch(step, 8), 1e-2, step, 20);
                float[] current = predictorWeight(learner);
                double[] f = method(learner).correlation();
                if (previousF != null) {
                    assertFalse(Arrays.equals(previousF, f), "F moves every step (step " + step + ")");
                }
                if ((step - 1) % every == 0) {
                    assertArrayEquals(toFloats(DirectPred.predictorFromCorrelation(f, D, EPS)), current, 1e-6f,
                            "step " + step + ": W_p is recomputed from the current F");
                    assertEquals(1.0, learner.method().predictorAlignment().orElseThrow(), 1e-6,
                            "right after a recompute W_p shares F's eigenbasis: alignment 1 by construction");
                    assertFalse(Arrays.equals(previous, current), "step " + step + ": the predictor changed");
                } else {
                    assertArrayEquals(previous, current, 0f,
                            "step " + step + ": between recomputes the predictor does not move, though the optimizer stepped at lr 1e-2");
                }
                assertFalse(weight.requiresGradient(), "the predictor weight is frozen");
                assertFalse(weight.getArray().hasGradient(), "and no gradient is ever attached to it");
                previous = current;
                previousF = f;
            }
        }
    }

    @Test
    void targetIsAnExactEmaOfTheOnlineNetworkAndGetsNoGradient() {
        try (Learner learner = learner(1)) {
            Block online = learner.method().encoder();
            Block target = learner.method().targetBlocks().get("target-encoder");
            List<Pair<String, Parameter>> onlineParameters = online.getParameters().stream().toList();
            List<Pair<String, Parameter>> targetParameters = target.getParameters().stream().toList();
            int first = 0; // the first conv's weight
            float[] targetBefore = targetParameters.get(first).getValue().getArray().toFloatArray();
            assertArrayEquals(onlineParameters.get(first).getValue().getArray().toFloatArray(), targetBefore, 0f,
                    "the target starts as a copy of the online encoder");
            learner.step(batch(1, 8), 1e-2, 1, 10);
            float[] onlineAfter = onlineParameters.get(first).getValue().getArray().toFloatArray();
            float[] targetAfter = targetParameters.get(first).getValue().getArray().toFloatArray();
            assertNotEquals(targetBefore[0], onlineAfter[0], "the online encoder moved");
            double tau = DirectPred.targetMomentum(0, 10, MOMENTUM);
            for (int i = 0; i < targetAfter.length; i++) {
                assertEquals(tau * targetBefore[i] + (1 - tau) * onlineAfter[i], targetAfter[i], 1e-6,
                        "target = tau_0 target + (1 - tau_0) online after the first step");
            }
            for (Pair<String, Parameter> p : targetParameters) {
                assertFalse(p.getValue().requiresGradient(), "target parameter " + p.getKey() + " is frozen");
                assertFalse(p.getValue().getArray().hasGradient(), "no gradient reaches target parameter " + p.getKey());
            }
        }
    }

    @Test
    void lossGoesDownOverAFewSteps() {
        try (Learner learner = learner(1)) {
            PairBatch batch = batch(1, 8);
            double first = learner.step(batch, 3e-3, 1, 12).loss();
            double last = first;
            for (int step = 2; step <= 12; step++) {
                last = learner.step(batch, 3e-3, step, 12).loss();
            }
            assertTrue(last < 0.7 * first, "the predictions learn to match the targets: loss " + first + " -> " + last);
        }
    }

    @Test
    void aRestoredLearnerContinuesWithTheSameEstimateAndTakesTheSameNextStep() {
        try (Learner original = learner(2); Learner restored = learner(2)) {
            for (int step = 1; step <= 3; step++) {
                original.step(batch(step, 8), 1e-3, step, 10);
            }
            restored.step(batch(99, 8), 1e-3, 1, 10);
            restored.restore(original.state());
            assertArrayEquals(method(original).correlation(), method(restored).correlation(), 0,
                    "F comes back exactly (float64 state)");
            assertArrayEquals(predictorWeight(original), predictorWeight(restored), 0f, "the set predictor comes back");
            assertEquals(original.step(batch(4, 8), 1e-3, 4, 10).loss(), restored.step(batch(4, 8), 1e-3, 4, 10).loss(), 1e-6,
                    "online, target, predictor and optimizer state are all restored");
            assertEquals(original.step(batch(5, 8), 1e-3, 5, 10).loss(), restored.step(batch(5, 8), 1e-3, 5, 10).loss(), 1e-5,
                    "and the step after it, which recomputes W_p from the restored F, agrees too");
            assertArrayEquals(method(original).correlation(), method(restored).correlation(), 1e-6,
                    "the estimate keeps agreeing");
            assertArrayEquals(predictorWeight(original), predictorWeight(restored), 1e-5f, "and so does W_p");
        }
    }
}
