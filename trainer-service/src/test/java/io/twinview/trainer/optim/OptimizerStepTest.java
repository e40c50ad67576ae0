package io.twinview.trainer.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each optimizer's update against the torch.optim formulas computed by hand. */
class OptimizerStepTest {

    private static final float[] W0 = {1.0f, -2.0f, 0.5f};
    /** Loss sum(c * w): its gradient is c, whatever w is. */
    private static final float[] C = {0.5f, 1.0f, -4.0f};

    private static TrainableParameter parameter(NDManager manager, Parameter.Type type) {
        Parameter parameter = Parameter.builder().setName("w").setType(type).build();
        NDArray w = manager.create(W0.clone());
        w.setRequiresGradient(true);
        parameter.setArray(w);
        return TrainableParameter.of("block/w", parameter);
    }

    private static void backward(NDManager manager, TrainableParameter p) {
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            collector.backward(p.array().mul(manager.create(C)).sum());
        }
    }

    private static float[] step(NDManager manager, Optimizer optimizer, TrainableParameter p, double lr) {
        backward(manager, p);
        try (NDManager scope = manager.newSubManager()) {
            optimizer.update(List.of(p), lr, scope);
        }
        return p.array().toFloatArray();
    }

    @Test
    void sgdWithMomentumAndWeightDecayFollowsTorch() {
        double lr = 0.1, m = 0.9, wd = 0.01;
        try (NDManager manager = NDManager.newBaseManager()) {
            TrainableParameter p = parameter(manager, Parameter.Type.WEIGHT);
            Sgd sgd = new Sgd(m, wd, manager);
            float[] w1 = step(manager, sgd, p, lr);
            float[] w2 = step(manager, sgd, p, lr / 2); // the learning rate changes between steps
            for (int i = 0; i < 3; i++) {
                double g1 = C[i] + wd * W0[i];
                double b1 = g1;
                double e1 = W0[i] - lr * b1;
                double g2 = C[i] + wd * e1;
                double b2 = m * b1 + g2;
                double e2 = e1 - lr / 2 * b2;
                assertEquals(e1, w1[i], 1e-6, "w[" + i + "] after step 1: w - lr (g + wd w)");
                assertEquals(e2, w2[i], 1e-6, "w[" + i + "] after step 2: momentum buffer not scaled by the old lr");
            }
            assertArrayEquals(
                    new float[] {0, 0, 0}, p.array().getGradient().toFloatArray(), "the update zeroes the gradient");
        }
    }

    @Test
    void larsScalesEachWeightsStepByItsTrustRatio() {
        double lr = 0.5, m = 0.9, wd = 0.01, eta = 0.001;
        try (NDManager manager = NDManager.newBaseManager()) {
            TrainableParameter p = parameter(manager, Parameter.Type.WEIGHT);
            Lars lars = new Lars(m, wd, eta, manager);
            float[] w1 = step(manager, lars, p, lr);
            float[] w2 = step(manager, lars, p, lr);
            double[] w = {W0[0], W0[1], W0[2]};
            double[] buffer = new double[3];
            double[][] expected = new double[2][3];
            for (int t = 0; t < 2; t++) {
                double[] g = new double[3];
                double wNorm = 0;
                double gNorm = 0;
                for (int i = 0; i < 3; i++) {
                    g[i] = C[i] + wd * w[i];
                    wNorm += w[i] * w[i];
                    gNorm += g[i] * g[i];
                }
                double trust = eta * Math.sqrt(wNorm) / Math.sqrt(gNorm);
                for (int i = 0; i < 3; i++) {
                    buffer[i] = m * buffer[i] + trust * g[i];
                    w[i] -= lr * buffer[i];
                    expected[t][i] = w[i];
                }
            }
            for (int i = 0; i < 3; i++) {
                assertEquals(expected[0][i], w1[i], 1e-6, "LARS w[" + i + "] after step 1: lr * eta ||w||/||g|| * g");
                assertEquals(expected[1][i], w2[i], 1e-6, "LARS w[" + i + "] after step 2, with momentum");
            }
        }
    }

    @Test
    void larsLeavesBiasesUnadaptedAndUndecayed() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TrainableParameter p = parameter(manager, Parameter.Type.BIAS);
            float[] w1 = step(manager, new Lars(0.9, 0.5, 0.001, manager), p, 0.1);
            for (int i = 0; i < 3; i++) {
                assertEquals(
                        W0[i] - 0.1 * C[i], w1[i], 1e-6, "bias " + i + ": plain SGD step, no trust ratio, no decay");
            }
        }
    }

    @Test
    void aFixedLearningRateIgnoresTheSchedule() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TrainableParameter p = parameter(manager, Parameter.Type.BIAS).withFixedLearningRate(0.2);
            float[] w1 = step(manager, new Sgd(0, 0, manager), p, 0.001);
            for (int i = 0; i < 3; i++) {
                assertEquals(
                        W0[i] - 0.2 * C[i], w1[i], 1e-6, "the parameter moves at its own rate, not the scheduled one");
            }
        }
    }

    @Test
    void aLearningRateScaleMultipliesTheScheduledAndTheFixedRate() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TrainableParameter scaled = parameter(manager, Parameter.Type.BIAS).withLearningRateScale(10);
            float[] w1 = step(manager, new Sgd(0, 0, manager), scaled, 0.01);
            TrainableParameter fixedAndScaled = parameter(manager, Parameter.Type.BIAS)
                    .withFixedLearningRate(0.2)
                    .withLearningRateScale(0.5);
            float[] w2 = step(manager, new Sgd(0, 0, manager), fixedAndScaled, 0.001);
            for (int i = 0; i < 3; i++) {
                assertEquals(W0[i] - 0.1 * C[i], w1[i], 1e-6, "scale 10 on a scheduled 0.01: a step of 0.1");
                assertEquals(W0[i] - 0.1 * C[i], w2[i], 1e-6, "scale 0.5 on a fixed 0.2: a step of 0.1");
            }
        }
    }

    @Test
    void biasesAndNormParametersAreNotDecayed() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TrainableParameter p = parameter(manager, Parameter.Type.BIAS);
            float[] w1 = step(manager, new Sgd(0, 0.5, manager), p, 0.1);
            for (int i = 0; i < 3; i++) {
                assertEquals(W0[i] - 0.1 * C[i], w1[i], 1e-6, "bias " + i + " moves by the gradient only");
            }
        }
    }

    @Test
    void adamAndAdamWFollowTorch() {
        double lr = 0.01, wd = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        for (boolean decoupled : new boolean[] {false, true}) {
            try (NDManager manager = NDManager.newBaseManager()) {
                TrainableParameter p = parameter(manager, Parameter.Type.WEIGHT);
                Adam adam = new Adam(wd, decoupled, manager);
                float[] w1 = step(manager, adam, p, lr);
                float[] w2 = step(manager, adam, p, lr);
                for (int i = 0; i < 3; i++) {
                    double w = W0[i], m = 0, v = 0;
                    double[] expected = new double[2];
                    for (int t = 1; t <= 2; t++) {
                        double g = C[i];
                        if (decoupled) {
                            w -= lr * wd * w;
                        } else {
                            g += wd * w;
                        }
                        m = b1 * m + (1 - b1) * g;
                        v = b2 * v + (1 - b2) * g * g;
                        w -= lr * (m / (1 - Math.pow(b1, t))) / (Math.sqrt(v / (1 - Math.pow(b2, t))) + eps);
                        expected[t - 1] = w;
                    }
                    String name = decoupled ? "adamw" : "adam";
                    assertEquals(expected[0], w1[i], 1e-6, name + " w[" + i + "] after step 1");
                    assertEquals(expected[1], w2[i], 1e-6, name + " w[" + i + "] after step 2");
                }
            }
        }
    }

    @Test
    void stateRoundTripsByParameterName() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TrainableParameter p = parameter(manager, Parameter.Type.WEIGHT);
            Adam adam = new Adam(0, false, manager);
            step(manager, adam, p, 0.01);
            NDList saved = NDList.decode(manager, adam.state().encode());
            Adam restored = new Adam(0, false, manager);
            restored.loadState(saved);
            float[] before = p.array().toFloatArray();
            float[] a = step(manager, adam, p, 0.01);
            NDArray view = p.array().stopGradient(); // same weights, next step from each optimizer
            view.subi(view).addi(manager.create(before));
            float[] b = step(manager, restored, p, 0.01);
            assertArrayEquals(a, b, 1e-7f, "a restored Adam takes the same step (moments and step count restored)");
        }
    }

    @Test
    void scheduleWarmsUpLinearlyThenDecaysToZero() {
        LearningRateSchedule schedule = new LearningRateSchedule(1.0, 4, 14, true);
        assertEquals(0.25, schedule.at(0), 1e-12, "warmup step 1 of 4");
        assertEquals(1.0, schedule.at(3), 1e-12, "peak at the end of warmup");
        assertEquals(0.5, schedule.at(9), 1e-12, "half-way through the cosine");
        assertEquals(0.0, schedule.at(14), 1e-12, "zero at the end");
        assertEquals(1.0, new LearningRateSchedule(1.0, 0, 14, false).at(13), 1e-12, "constant schedule");
    }

    /**
     * Every optimizer keeps its buffers and nothing else between steps: a result attaches to the
     * manager of its first operand, so arithmetic on a long-lived buffer that is not freed in the step
     * piles up one parameter-sized array per step (a 2048-wide Barlow projector ran a trainer out of
     * 24 GB this way).
     */
    @ParameterizedTest
    @ValueSource(strings = {"sgd", "adam", "adamw", "lars"})
    void keepsNoArrayBeyondItsBuffersBetweenSteps(String name) {
        try (NDManager owner = NDManager.newBaseManager()) {
            TrainableParameter p = parameter(owner, Parameter.Type.WEIGHT);
            Optimizer optimizer = Optimizers.create(new OptimizerConfig(name, 0.1, 0.9, 0.01, 0.001), owner);
            for (int step = 1; step <= 2; step++) {
                scopedStep(owner, optimizer, p);
            }
            int held = owner.getManagedArrays().size();
            for (int step = 3; step <= 7; step++) {
                scopedStep(owner, optimizer, p);
            }
            assertEquals(held, owner.getManagedArrays().size(), name + ": five more steps, no more arrays held");
        }
    }

    /** A step whose loss, backward and update arrays all live in a scope closed at its end, as in the Learner. */
    private static void scopedStep(NDManager owner, Optimizer optimizer, TrainableParameter p) {
        try (NDManager scope = owner.newSubManager()) {
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray weight = p.array();
                NDArray c = scope.create(C);
                collector.backward(c.mul(weight).sum());
            }
            optimizer.update(List.of(p), 0.1, scope);
        }
    }
}
