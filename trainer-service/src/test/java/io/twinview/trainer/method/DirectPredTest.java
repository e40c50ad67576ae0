package io.twinview.trainer.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.twinview.trainer.train.Learner;
import io.twinview.trainer.train.PairBatch;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class DirectPredTest {

    private static final int D = 16;
    private static final double RHO = 0.3;
    private static final double EPS = 0.01;
    private static final double MOMENTUM = 0.9;

    private static Learner learner(int every) {
        return MethodFixtures.learner(
                "directpred",
                MethodFixtures.settings(
                        "directpred",
                        "directpred.projector.hidden_dim=32",
                        "directpred.projector.output_dim=" + D,
                        "directpred.tau_base=" + MOMENTUM,
                        "directpred.rho=" + RHO,
                        "directpred.eps=" + EPS,
                        "directpred.update_every=" + every),
                1e-3);
    }

    private static PairBatch batch(long seed, int n) {
        return MethodFixtures.batch(seed, n);
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
        double[] w = DirectPredictor.predictorFromCorrelation(f, 4, EPS);
        double[] expected = compose(identity(4), new double[] {1 + EPS, 0.5 + EPS, 0.25 + EPS, EPS});
        assertArrayEquals(expected, w, 1e-12, "p_j = sqrt(s_j / max s) + eps on the diagonal, zero elsewhere");
    }

    @Test
    void predictorOfARotatedCorrelationSharesItsEigenvectors() {
        double[][] r = rotation();
        double[] f = compose(r, new double[] {9, 4, 1, -0.5}); // a negative eigenvalue, as noise can give
        double[] w = DirectPredictor.predictorFromCorrelation(f, 4, EPS);
        double[] expected = compose(r, new double[] {1 + EPS, 2.0 / 3 + EPS, 1.0 / 3 + EPS, EPS});
        assertArrayEquals(
                expected,
                w,
                1e-12,
                "W_p = U diag(sqrt(max(s, 0) / max s) + eps) U^T in F's own eigenbasis; a negative eigenvalue gives eps");
    }

    @Test
    void predictorOfAZeroCorrelationIsEpsTimesIdentity() {
        double[] w = DirectPredictor.predictorFromCorrelation(new double[16], 4, EPS);
        assertArrayEquals(
                compose(identity(4), new double[] {EPS, EPS, EPS, EPS}),
                w,
                1e-15,
                "with no positive eigenvalue every p_j is eps");
    }

    @Test
    void correlationEstimateStartsAtTheFirstBatchThenMovesByRho() {
        double[] first = {1, 2, 2, 5};
        double[] second = {3, -1, -1, 0.5};
        double[] f1 = DirectPredictor.updateCorrelation(null, first, RHO);
        assertArrayEquals(first, f1, 0, "the first estimate is the first batch's E[f f^T]");
        double[] f2 = DirectPredictor.updateCorrelation(f1, second, RHO);
        for (int i = 0; i < 4; i++) {
            assertEquals(RHO * first[i] + (1 - RHO) * second[i], f2[i], 0, "F <- rho F + (1 - rho) E[f f^T]");
        }
    }

    // ---- the method in a learner ----

    private static DirectPredictor method(Learner learner) {
        return (DirectPredictor) ((DirectPred) learner.method()).predictor();
    }

    private static float[] predictorWeight(Learner learner) {
        return learner.method()
                .targetBlocks()
                .get("predictor")
                .getParameters()
                .get("weight")
                .getArray()
                .toFloatArray();
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
            assertEquals(
                    List.of("encoder", "projector"),
                    List.copyOf(learner.method().trainableBlocks().keySet()),
                    "the optimizer trains the online encoder and projector only");
            assertEquals(
                    List.of("predictor", "target-encoder", "target-projector"),
                    List.copyOf(learner.method().targetBlocks().keySet()),
                    "predictor and target are saved but not trained");
            Parameter weight = learner.method()
                    .targetBlocks()
                    .get("predictor")
                    .getParameters()
                    .get("weight");
            assertEquals(new Shape(D, D), weight.getArray().getShape(), "the predictor is a d x d linear map");
            assertEquals(
                    1,
                    learner.method()
                            .targetBlocks()
                            .get("predictor")
                            .getParameters()
                            .size(),
                    "without bias");
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
            Parameter weight = learner.method()
                    .targetBlocks()
                    .get("predictor")
                    .getParameters()
                    .get("weight");
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
                    assertArrayEquals(
                            toFloats(DirectPredictor.predictorFromCorrelation(f, D, EPS)),
                            current,
                            1e-6f,
                            "step " + step + ": W_p is recomputed from the current F");
                    assertEquals(
                            1.0,
                            learner.method().predictorAlignment().orElseThrow(),
                            1e-6,
                            "right after a recompute W_p shares F's eigenbasis: alignment 1 by construction");
                    assertFalse(Arrays.equals(previous, current), "step " + step + ": the predictor changed");
                } else {
                    assertArrayEquals(
                            previous,
                            current,
                            0f,
                            "step " + step
                                    + ": between recomputes the predictor does not move, though the optimizer stepped at lr 1e-2");
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
            List<Pair<String, Parameter>> onlineParameters =
                    online.getParameters().stream().toList();
            List<Pair<String, Parameter>> targetParameters =
                    target.getParameters().stream().toList();
            int first = 0; // the first conv's weight
            float[] targetBefore =
                    targetParameters.get(first).getValue().getArray().toFloatArray();
            assertArrayEquals(
                    onlineParameters.get(first).getValue().getArray().toFloatArray(),
                    targetBefore,
                    0f,
                    "the target starts as a copy of the online encoder");
            learner.step(batch(1, 8), 1e-2, 1, 10);
            float[] onlineAfter =
                    onlineParameters.get(first).getValue().getArray().toFloatArray();
            float[] targetAfter =
                    targetParameters.get(first).getValue().getArray().toFloatArray();
            assertNotEquals(targetBefore[0], onlineAfter[0], "the online encoder moved");
            double tau = TauSchedule.cosine(MOMENTUM).at(0, 10);
            for (int i = 0; i < targetAfter.length; i++) {
                assertEquals(
                        tau * targetBefore[i] + (1 - tau) * onlineAfter[i],
                        targetAfter[i],
                        1e-6,
                        "target = tau_0 target + (1 - tau_0) online after the first step");
            }
            for (Pair<String, Parameter> p : targetParameters) {
                assertFalse(p.getValue().requiresGradient(), "target parameter " + p.getKey() + " is frozen");
                assertFalse(
                        p.getValue().getArray().hasGradient(), "no gradient reaches target parameter " + p.getKey());
            }
        }
    }

    @Test
    void aRestoredLearnerContinuesWithTheSameEstimateAndTakesTheSameNextStep() {
        try (Learner original = learner(2);
                Learner restored = learner(2)) {
            for (int step = 1; step <= 3; step++) {
                original.step(batch(step, 8), 1e-3, step, 10);
            }
            restored.step(batch(99, 8), 1e-3, 1, 10);
            restored.restore(original.state());
            assertArrayEquals(
                    method(original).correlation(),
                    method(restored).correlation(),
                    0,
                    "F comes back exactly (float64 state)");
            assertArrayEquals(predictorWeight(original), predictorWeight(restored), 0f, "the set predictor comes back");
            original.step(batch(4, 8), 1e-3, 4, 10);
            restored.step(batch(4, 8), 1e-3, 4, 10);
            original.step(batch(5, 8), 1e-3, 5, 10);
            restored.step(batch(5, 8), 1e-3, 5, 10); // recomputes W_p from the restored F
            assertArrayEquals(
                    method(original).correlation(),
                    method(restored).correlation(),
                    1e-6,
                    "the estimate keeps agreeing");
            assertArrayEquals(predictorWeight(original), predictorWeight(restored), 1e-5f, "and so does W_p");
        }
    }
}
