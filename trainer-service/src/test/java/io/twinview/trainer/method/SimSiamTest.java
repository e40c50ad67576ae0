package io.twinview.trainer.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.twinview.core.monitor.CollapseMonitor;
import io.twinview.proto.v1.SimSiamSettings;
import io.twinview.trainer.optim.Optimizer;
import io.twinview.trainer.optim.OptimizerConfig;
import io.twinview.trainer.optim.Optimizers;
import io.twinview.trainer.optim.TrainableParameter;
import io.twinview.trainer.train.PairBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class SimSiamTest {

    private static final SimSiamSettings SETTINGS = settings(64, 32, 16);

    private static SimSiamSettings settings(int hidden, int out, int predictorHidden) {
        return (SimSiamSettings) MethodFixtures.settings(
                "simsiam",
                "simsiam.projector.hidden_dim=" + hidden,
                "simsiam.projector.output_dim=" + out,
                "simsiam.predictor.hidden_dim=" + predictorHidden);
    }

    /** Without the stop-gradient: the targets keep their graph, so the gradient also pulls z towards p. */
    private static final TargetBranch NO_STOP_GRADIENT =
            (parameters, view1, view2, z1, z2) -> new TargetBranch.Targets(z1, z2);

    @Test
    void aFixedPredictorRateAndNoTargetNetwork() {
        assertTrue(
                SimSiam.DEFINITION.defaults().getPredictor().getFixedLr(),
                "the official code's --fix-pred-lr is the default");
        try (NDManager manager = NDManager.newBaseManager()) {
            SimSiam simsiam = new SimSiam(MethodFixtures.context(manager, 5), SETTINGS);
            assertEquals(
                    Set.of("predictor"), simsiam.fixedLearningRateRoles(), "only the predictor keeps the peak rate");
            assertEquals(
                    List.of("encoder", "projector", "predictor"),
                    List.copyOf(simsiam.trainableBlocks().keySet()));
            assertTrue(
                    simsiam.targetBlocks().isEmpty(),
                    "SimSiam has no target network: the target is the online branch, detached");
        }
    }

    @Test
    void lossRangeAndPredictorAlignment() {
        try (NDManager manager = NDManager.newBaseManager()) {
            SimSiam simsiam = new SimSiam(MethodFixtures.context(manager, 5), SETTINGS);
            PairBatch batch = MethodFixtures.batch(1, 8);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray loss = simsiam.loss(
                        new ParameterStore(manager, false),
                        MethodFixtures.view1(manager, batch),
                        MethodFixtures.view2(manager, batch));
                float value = loss.getFloat();
                assertTrue(
                        value >= -1 && value <= 1, "D/2 + D/2 with D a negative mean cosine lies in [-1, 1]: " + value);
                collector.backward(loss);
            }
            assertTrue(
                    simsiam.predictorAlignment().isEmpty(),
                    "8 rows cannot determine a 32x32 predictor map: no alignment rather than a meaningless one");
            MethodFixtures.assertAlignmentAfterEnoughRows(simsiam, manager);
        }
    }

    /**
     * The stop-gradient really stops: with it, every parameter's gradient is the one the loss has when
     * the targets are constants (the detached values); without it the projector gets another gradient.
     */
    @Test
    void stopGradientMakesTheTargetsConstants() {
        List<float[]> withStopGradient = gradients(TargetBranch.stopGradient());
        List<float[]> constantTargets = gradients((parameters, view1, view2, z1, z2) -> new TargetBranch.Targets(
                z1.getManager().create(z1.toFloatArray(), z1.getShape()),
                z2.getManager().create(z2.toFloatArray(), z2.getShape())));
        List<float[]> withoutStopGradient = gradients(NO_STOP_GRADIENT);
        assertEquals(constantTargets.size(), withStopGradient.size());
        double differenceWithout = 0;
        for (int i = 0; i < withStopGradient.size(); i++) {
            assertArrayEquals(
                    constantTargets.get(i),
                    withStopGradient.get(i),
                    1e-6f,
                    "parameter " + i + ": no gradient reaches the network through the targets");
            for (int j = 0; j < withStopGradient.get(i).length; j++) {
                differenceWithout += Math.abs(
                        withoutStopGradient.get(i)[j] - withStopGradient.get(i)[j]);
            }
        }
        assertTrue(differenceWithout > 1e-3, "removing the stop-gradient changes the gradient: " + differenceWithout);
    }

    /** Every trainable parameter's gradient after one backward of the loss of a fixed batch, same weights each time. */
    private static List<float[]> gradients(TargetBranch branch) {
        try (NDManager manager = NDManager.newBaseManager()) {
            SimSiam simsiam = new SimSiam(MethodFixtures.context(manager, 11), SETTINGS, branch);
            PairBatch batch = MethodFixtures.batch(4, 8);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                collector.backward(simsiam.loss(
                        new ParameterStore(manager, false),
                        MethodFixtures.view1(manager, batch),
                        MethodFixtures.view2(manager, batch)));
            }
            List<float[]> gradients = new ArrayList<>();
            for (Block block : simsiam.trainableBlocks().values()) {
                for (Pair<String, Parameter> p : block.getParameters()) {
                    if (p.getValue().requiresGradient()) {
                        gradients.add(p.getValue().getArray().getGradient().toFloatArray());
                    }
                }
            }
            return gradients;
        }
    }

    /**
     * SimSiam sec. 4.1, fig. 2: without the stop-gradient the optimizer finds the trivial solution, every
     * output the same, the per-dimension std of the normalised outputs going to 0; with it the outputs
     * keep their spread. Same weights, same batches, same optimizer; only the target branch differs.
     * The pairs are hard (view 2 is view 1 mirrored with strong noise), so agreeing through the
     * images is slow and collapsing is the shortcut.
     */
    @Test
    void withoutStopGradientItCollapsesAndWithItDoesNot() {
        CollapseMonitor.Reading collapsed = train(NO_STOP_GRADIENT);
        CollapseMonitor.Reading healthy = train(TargetBranch.stopGradient());
        assertTrue(
                collapsed.stdNormalized() < CollapseMonitor.COLLAPSED_STD,
                "no stop-gradient: std of the normalised outputs near 0 (x sqrt(d): " + collapsed.stdNormalized()
                        + ")");
        assertTrue(collapsed.collapsed(), "and the monitor says so");
        assertTrue(
                healthy.stdNormalized() > 0.5,
                "with the stop-gradient the outputs keep their spread (x sqrt(d): " + healthy.stdNormalized() + ")");
        assertTrue(!healthy.collapsed(), "and the monitor stays quiet: " + healthy.warning());
    }

    private static CollapseMonitor.Reading train(TargetBranch branch) {
        SimSiamSettings settings = settings(32, 32, 8);
        try (NDManager manager = NDManager.newBaseManager()) {
            SimSiam method = new SimSiam(MethodFixtures.context(manager, 7), settings, branch);
            List<TrainableParameter> parameters = MethodFixtures.trainable(method);
            Optimizer optimizer = Optimizers.create(new OptimizerConfig("adam", 0.1, 0.9, 0, 0.001), manager);
            ParameterStore store = new ParameterStore(manager, false);
            int steps = 40;
            for (int step = 1; step <= steps; step++) {
                MethodFixtures.step(
                        method, optimizer, parameters, store, manager, mirroredNoisy(step, 16), 0.1, step, steps);
            }
            return CollapseMonitor.read(method.lastEmbeddings(), method.lastEmbeddingDim(), OptionalDouble.empty());
        }
    }

    /** View 2 is view 1 mirrored left-right, plus uniform noise of +-60 grey levels. */
    private static PairBatch mirroredNoisy(long seed, int n) {
        Random random = new Random(seed);
        int size = MethodFixtures.SIZE;
        byte[] view1 = new byte[n * size * size * 3];
        random.nextBytes(view1);
        byte[] view2 = new byte[view1.length];
        for (int i = 0; i < n; i++) {
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    for (int c = 0; c < 3; c++) {
                        int v = view1[((i * size + y) * size + (size - 1 - x)) * 3 + c] & 0xff;
                        view2[((i * size + y) * size + x) * 3 + c] =
                                (byte) Math.max(0, Math.min(255, v + random.nextInt(121) - 60));
                    }
                }
            }
        }
        return new PairBatch(view1, view2, n, size, size, LongStream.range(0, n).toArray());
    }
}
