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
import io.twinview.proto.v1.ByolSettings;
import io.twinview.trainer.train.Learner;
import io.twinview.trainer.train.PairBatch;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ByolTest {

    private static final ByolSettings SETTINGS = (ByolSettings) MethodFixtures.settings(
            "byol", "byol.projector.hidden_dim=64", "byol.projector.output_dim=32", "byol.predictor.hidden_dim=48");

    @Test
    void defaultsAreTheCpuBudgetRecipeOnTheByolViews() {
        MethodDefinition<ByolSettings> definition = Byol.DEFINITION;
        assertEquals("byol", definition.recipe().augment(), "BYOL trains on its asymmetric views (solarize in view 2)");
        assertEquals(
                0.95,
                definition.defaults().getTauBase(),
                "CPU-budget tau_base 0.95 (solo-learn's CIFAR value 0.99 needs a longer run)");
        assertEquals(
                10,
                definition.defaults().getPredictor().getLrScale(),
                "CPU budget: the predictor learns at 10x the rate");
        assertFalse(definition.defaults().getPredictor().getFixedLr(), "BYOL's predictor follows the schedule");
    }

    @Test
    void headsTargetBlocksAndThePredictorAlignment() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Byol byol = new Byol(MethodFixtures.context(manager, 5), SETTINGS);
            assertEquals(
                    List.of("encoder", "projector", "predictor"),
                    List.copyOf(byol.trainableBlocks().keySet()));
            assertEquals(
                    List.of("target-encoder", "target-projector"),
                    List.copyOf(byol.targetBlocks().keySet()));
            PairBatch batch = MethodFixtures.batch(1, 8);
            ParameterStore store = new ParameterStore(manager, false);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray loss =
                        byol.loss(store, MethodFixtures.view1(manager, batch), MethodFixtures.view2(manager, batch));
                float value = loss.getFloat();
                assertTrue(value >= 0 && value <= 8, "two terms of 2 - 2 cos, each in [0, 4]: " + value);
                collector.backward(loss);
            }
            assertTrue(
                    byol.predictorAlignment().isEmpty(),
                    "8 rows cannot determine a 32x32 predictor map: no alignment rather than a meaningless one");
            MethodFixtures.assertAlignmentAfterEnoughRows(byol, manager);
            assertEquals(Set.of(), byol.fixedLearningRateRoles());
        }
    }

    @Test
    void thePredictorLearningRateScaleReachesThePredictorOnly() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Byol byol = new Byol(MethodFixtures.context(manager, 5), withPredictorScale(10));
            assertEquals(
                    Map.of("predictor", 10.0), byol.learningRateScales(), "alpha_p applies to the predictor alone");
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            assertEquals(
                    Map.of(),
                    new Byol(MethodFixtures.context(manager, 5), withPredictorScale(1)).learningRateScales(),
                    "at scale 1 no role gets a multiplier");
        }
    }

    private static ByolSettings withPredictorScale(double scale) {
        return SETTINGS.toBuilder()
                .setPredictor(SETTINGS.getPredictor().toBuilder().setLrScale(scale))
                .build();
    }

    @Test
    void theTargetIsAFrozenCopyThatNoGradientReaches() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Byol byol = new Byol(MethodFixtures.context(manager, 5), SETTINGS);
            assertSameValues(
                    byol.trainableBlocks().get("encoder"), byol.targetBlocks().get("target-encoder"));
            assertSameValues(
                    byol.trainableBlocks().get("projector"), byol.targetBlocks().get("target-projector"));
            PairBatch batch = MethodFixtures.batch(2, 8);
            ParameterStore store = new ParameterStore(manager, false);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                collector.backward(
                        byol.loss(store, MethodFixtures.view1(manager, batch), MethodFixtures.view2(manager, batch)));
            }
            for (Block target : byol.targetBlocks().values()) {
                for (Pair<String, Parameter> p : target.getParameters()) {
                    assertFalse(p.getValue().requiresGradient(), p.getKey() + ": target parameters are frozen");
                    assertFalse(
                            p.getValue().getArray().hasGradient(),
                            p.getKey() + ": autograd keeps no gradient for the target");
                }
            }
            double online = 0;
            for (Pair<String, Parameter> p :
                    byol.trainableBlocks().get("encoder").getParameters()) {
                if (p.getValue().requiresGradient()) {
                    online += p.getValue().getArray().getGradient().abs().sum().getFloat();
                }
            }
            assertTrue(online > 0, "while the online encoder does get a gradient: " + online);
        }
    }

    private static void assertSameValues(Block online, Block target) {
        List<float[]> a = MethodFixtures.snapshot(online).values().stream().toList();
        List<float[]> b = MethodFixtures.snapshot(target).values().stream().toList();
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i), b.get(i), "the target starts as an exact copy of the online network");
        }
    }

    /** After step 1 the target is exactly tau_0 target + (1 - tau_0) online, tau_0 = tau_base; the optimizer never touches it. */
    @Test
    void afterAStepTheTargetMovedOnlyByTheEma() {
        try (Learner learner = MethodFixtures.learner("byol", SETTINGS, 1e-2)) {
            SslMethod byol = learner.method();
            Map<String, Block> online = Map.of(
                    "target-encoder",
                    byol.trainableBlocks().get("encoder"),
                    "target-projector",
                    byol.trainableBlocks().get("projector"));
            Map<String, Map<String, float[]>> before = new java.util.LinkedHashMap<>();
            byol.targetBlocks().forEach((role, block) -> before.put(role, MethodFixtures.snapshot(block)));
            long[] movedEntries = {0};
            double tau = SETTINGS.getTauBase(); // tau_0 = tau_base
            learner.step(MethodFixtures.batch(3, 8), 1e-2, 1, 10);
            byol.targetBlocks().forEach((role, target) -> {
                Map<String, float[]> onlineAfter = MethodFixtures.snapshot(online.get(role));
                for (Pair<String, Parameter> p : target.getParameters()) {
                    if (p.getValue().getType() == Parameter.Type.RUNNING_MEAN
                            || p.getValue().getType() == Parameter.Type.RUNNING_VAR) {
                        continue; // the target's own statistics, updated by its forwards
                    }
                    float[] old = before.get(role).get(p.getKey());
                    float[] now = p.getValue().getArray().toFloatArray();
                    float[] o = onlineAfter.get(p.getKey());
                    for (int i = 0; i < now.length; i++) {
                        assertEquals(
                                tau * old[i] + (1 - tau) * o[i],
                                now[i],
                                1e-6,
                                role + "/" + p.getKey() + "[" + i + "] = tau_0 target + (1 - tau_0) online, tau_0 = "
                                        + tau);
                        movedEntries[0] += old[i] != now[i] ? 1 : 0;
                    }
                }
            });
            assertTrue(movedEntries[0] > 0, "the online step moved the target through the EMA");
        }
    }
}
