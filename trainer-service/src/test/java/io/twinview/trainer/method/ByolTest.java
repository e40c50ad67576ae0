package io.twinview.trainer.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.twinview.proto.v1.HeadSpec;
import io.twinview.proto.v1.RunSpec;
import io.twinview.trainer.run.RunSpecs;
import io.twinview.trainer.train.Learner;
import io.twinview.trainer.train.PairBatch;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ByolTest {

    private static final MethodSettings SETTINGS = PredictorFixtures.settings("byol", 64, 32, 48);

    @Test
    void registeredWithThePaperAndTheByolViews() {
        Methods.MethodDefinition definition = Methods.get("byol");
        assertEquals("https://arxiv.org/abs/2006.07733", definition.paper());
        assertEquals("byol", definition.defaults().recipe(), "BYOL trains on its asymmetric views (solarize in view 2)");
        assertEquals(0.95, definition.defaults().networkMomentum(), "CPU-budget tau_base 0.95 (solo-learn's CIFAR value 0.99 needs a longer run)");
        assertEquals(10, definition.defaults().predictorLrScale(), "CPU budget: the predictor learns at 10x the rate");
    }

    @Test
    void tauFollowsTheCosineScheduleFromTauBaseToOne() {
        // tau_k = 1 - (1 - tau_base) (cos(pi k / K) + 1) / 2 with tau_base = 0.99, K = 100
        assertEquals(0.99, EmaTarget.tau(0.99, 0, 100), 1e-15, "k = 0: cos 0 = 1, tau = tau_base");
        assertEquals(0.995, EmaTarget.tau(0.99, 50, 100), 1e-15, "k = K/2: cos(pi/2) = 0, tau = 1 - 0.01/2");
        assertEquals(1.0, EmaTarget.tau(0.99, 100, 100), 1e-15, "k = K: cos(pi) = -1, tau = 1");
        assertEquals(1 - 0.004 * 0.75, EmaTarget.tau(0.996, 100, 300), 1e-15, "k = K/3: cos(pi/3) = 1/2, the paper's tau_base");
    }

    @Test
    void shapesHeadsAndTargetBlocks() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Byol byol = new Byol(PredictorFixtures.context(manager, SETTINGS, 5));
            assertEquals(List.of("encoder", "projector", "predictor"), List.copyOf(byol.trainableBlocks().keySet()));
            assertEquals(List.of("target-encoder", "target-projector"), List.copyOf(byol.targetBlocks().keySet()));
            PairBatch batch = PredictorFixtures.batch(1, 8);
            ParameterStore store = new ParameterStore(manager, false);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray loss = byol.loss(store, PredictorFixtures.view1(manager, batch), PredictorFixtures.view2(manager, batch));
                assertEquals(0, loss.getShape().dimension(), "the loss is a scalar");
                float value = loss.getFloat();
                assertTrue(value >= 0 && value <= 8, "two terms of 2 - 2 cos, each in [0, 4]: " + value);
                collector.backward(loss);
            }
            assertEquals(32, byol.lastEmbeddingDim(), "the embeddings are the projector's outputs");
            assertEquals(8 * 32, byol.lastEmbeddings().length, "one row per pair");
            assertTrue(byol.predictorAlignment().isEmpty(),
                    "8 rows cannot determine a 32x32 predictor map: no alignment rather than a meaningless one");
            PredictorFixtures.assertAlignmentAfterEnoughRows(byol, manager);
            assertEquals(Set.of(), byol.fixedLearningRateRoles());
        }
    }

    @Test
    void thePredictorLearningRateScaleReachesThePredictorOnly() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Byol byol = new Byol(PredictorFixtures.context(manager, withPredictorScale(10), 5));
            assertEquals(Map.of("predictor", 10.0), byol.learningRateScales(), "alpha_p applies to the predictor alone");
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            assertEquals(Map.of(), new Byol(PredictorFixtures.context(manager, withPredictorScale(1), 5)).learningRateScales(),
                    "at scale 1 no role gets a multiplier");
        }
    }

    private static MethodSettings withPredictorScale(double scale) {
        return RunSpecs.settings(RunSpecs.resolve(RunSpec.newBuilder().setMethod("byol").setDatasetUri("synthetic:?n=64&size=16")
                .setHead(HeadSpec.newBuilder().setProjectorHiddenDim(64).setProjectorOutputDim(32).setPredictorHiddenDim(48)
                        .setPredictorLrScale(scale))
                .build()).spec());
    }

    @Test
    void theTargetIsAFrozenCopyThatNoGradientReaches() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Byol byol = new Byol(PredictorFixtures.context(manager, SETTINGS, 5));
            assertSameValues(byol.trainableBlocks().get("encoder"), byol.targetBlocks().get("target-encoder"));
            assertSameValues(byol.trainableBlocks().get("projector"), byol.targetBlocks().get("target-projector"));
            PairBatch batch = PredictorFixtures.batch(2, 8);
            ParameterStore store = new ParameterStore(manager, false);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                collector.backward(byol.loss(store, PredictorFixtures.view1(manager, batch), PredictorFixtures.view2(manager, batch)));
            }
            for (Block target : byol.targetBlocks().values()) {
                for (Pair<String, Parameter> p : target.getParameters()) {
                    assertFalse(p.getValue().requiresGradient(), p.getKey() + ": target parameters are frozen");
                    assertFalse(p.getValue().getArray().hasGradient(), p.getKey() + ": autograd keeps no gradient for the target");
                }
            }
            double online = 0;
            for (Pair<String, Parameter> p : byol.trainableBlocks().get("encoder").getParameters()) {
                if (p.getValue().requiresGradient()) {
                    online += p.getValue().getArray().getGradient().abs().sum().getFloat();
                }
            }
            assertTrue(online > 0, "while the online encoder does get a gradient: " + online);
        }
    }

    private static void assertSameValues(Block online, Block target) {
        List<float[]> a = PredictorFixtures.snapshot(online).values().stream().toList();
        List<float[]> b = PredictorFixtures.snapshot(target).values().stream().toList();
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i), b.get(i), "the target starts as an exact copy of the online network");
        }
    }

    /** After step 1 the target is exactly tau_0 target + (1 - tau_0) online, tau_0 = tau_base; the optimizer never touches it. */
    @Test
    void afterAStepTheTargetMovedOnlyByTheEma() {
        try (Learner learner = PredictorFixtures.learner("byol", SETTINGS, 1e-2)) {
            SslMethod byol = learner.method();
            Map<String, Block> online = Map.of("target-encoder", byol.trainableBlocks().get("encoder"),
                    "target-projector", byol.trainableBlocks().get("projector"));
            Map<String, Map<String, float[]>> before = new java.util.LinkedHashMap<>();
            byol.targetBlocks().forEach((role, block) -> before.put(role, PredictorFixtures.snapshot(block)));
            long[] movedEntries = {0};
            double tau = SETTINGS.momentum(); // tau_0 = tau_base
            learner.step(PredictorFixtures.batch(3, 8), 1e-2, 1, 10);
            byol.targetBlocks().forEach((role, target) -> {
                Map<String, float[]> onlineAfter = PredictorFixtures.snapshot(online.get(role));
                for (Pair<String, Parameter> p : target.getParameters()) {
                    if (p.getValue().getType() == Parameter.Type.RUNNING_MEAN || p.getValue().getType() == Parameter.Type.RUNNING_VAR) {
                        continue; // the target's own statistics, updated by its forwards
                    }
                    float[] old = before.get(role).get(p.getKey());
                    float[] now = p.getValue().getArray().toFloatArray();
                    float[] o = onlineAfter.get(p.getKey());
                    for (int i = 0; i < now.length; i++) {
                        assertEquals(tau * old[i] + (1 - tau) * o[i], now[i], 1e-6,
                                role + "/" + p.getKey() + "[" + i + "] = tau_0 target + (1 - tau_0) online, tau_0 = " + tau);
                        movedEntries[0] += old[i] != now[i] ? 1 : 0;
                    }
                }
            });
            assertTrue(movedEntries[0] > 0, "the online step moved the target through the EMA");
        }
    }

    @Test
    void lossGoesDownOverAFewSteps() {
        try (Learner learner = PredictorFixtures.learner("byol", SETTINGS, 1e-3)) {
            PairBatch batch = PredictorFixtures.batch(1, 16);
            double first = learner.step(batch, 1e-3, 1, 30).loss();
            double last = first;
            for (int step = 2; step <= 30; step++) {
                last = learner.step(batch, 1e-3, step, 30).loss();
            }
            assertTrue(last < first - 0.5, "the online network learns to predict the target: loss " + first + " -> " + last);
        }
    }

    @Test
    void aRestoredLearnerTakesExactlyTheSameNextStep() {
        try (Learner original = PredictorFixtures.learner("byol", SETTINGS, 1e-3);
             Learner restored = PredictorFixtures.learner("byol", SETTINGS, 1e-3)) {
            for (int step = 1; step <= 3; step++) {
                original.step(PredictorFixtures.batch(step, 8), 1e-3, step, 10);
            }
            restored.step(PredictorFixtures.batch(99, 8), 1e-3, 1, 10);
            restored.restore(original.state());
            assertEquals(original.step(PredictorFixtures.batch(4, 8), 1e-3, 4, 10).loss(),
                    restored.step(PredictorFixtures.batch(4, 8), 1e-3, 4, 10).loss(), 1e-6,
                    "online and target weights, batch-norm statistics and optimizer moments are all restored");
            assertEquals(original.step(PredictorFixtures.batch(5, 8), 1e-3, 5, 10).loss(),
                    restored.step(PredictorFixtures.batch(5, 8), 1e-3, 5, 10).loss(), 1e-5,
                    "and the EMA after it agrees too");
        }
    }
}
