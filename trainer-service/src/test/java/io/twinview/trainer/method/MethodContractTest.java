package io.twinview.trainer.method;

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
import com.google.protobuf.Message;
import io.twinview.proto.v1.RunSpec;
import io.twinview.trainer.run.RunSpecs;
import io.twinview.trainer.train.Learner;
import io.twinview.trainer.train.PairBatch;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What every registered method must do, whatever it is: the same tests over {@link Methods#keys()},
 * so a new method is covered by registering it. Small heads (projector 32 -> 16, predictor 16, a
 * queue of two steps' keys), 16 px images, batches of 8.
 */
class MethodContractTest {

    private static final int BATCH = 8;
    private static final int OUT = 16;

    static Stream<String> methods() {
        return Methods.keys().stream();
    }

    private static Message smallSettings(String method) {
        RunSpec.Builder spec =
                RunSpec.newBuilder().setDatasetUri(MethodFixtures.DATASET).setBatchSize(BATCH);
        MethodFixtures.smallHeads(spec, method, 32, OUT, 16, 4 * BATCH);
        return RunSpecs.methodSettings(RunSpecs.resolve(spec.build()).spec());
    }

    private static Learner learner(String method, double learningRate) {
        return MethodFixtures.learner(method, smallSettings(method), learningRate);
    }

    @ParameterizedTest
    @MethodSource("methods")
    void isRegisteredWithItsPaperAndResolvesToCompleteSettings(String method) {
        MethodDefinition<?> definition = Methods.get(method);
        assertTrue(
                definition.paper().startsWith("https://arxiv.org/abs/"),
                method + " cites its paper: " + definition.paper());
        RunSpec spec = RunSpecs.resolve(RunSpec.newBuilder()
                        .setMethod(method)
                        .setDatasetUri(MethodFixtures.DATASET)
                        .build())
                .spec();
        assertEquals(definition.recipe().epochs(), spec.getEpochs(), method + ": its recipe's epochs");
        assertEquals(definition.recipe().batchSize(), spec.getBatchSize(), method + ": its recipe's batch");
        assertEquals(definition.recipe().augment(), spec.getAugment().getName(), method + ": its recipe's views");
        Message settings = RunSpecs.methodSettings(spec);
        assertEquals(
                definition.settingsField(),
                Methods.settingsFieldOf(spec),
                method + ": its settings are in the resolved spec");
        MethodSettingsTest.assertComplete(method, settings);
    }

    @ParameterizedTest
    @MethodSource("methods")
    void lossIsAScalarWithGradientOnlyWhereTheMethodTrains(String method) {
        try (Learner learner = learner(method, 1e-3);
                NDManager manager = NDManager.newBaseManager()) {
            SslMethod m = learner.method();
            assertEquals(
                    "encoder", m.trainableBlocks().keySet().iterator().next(), method + ": the encoder comes first");
            var batch = MethodFixtures.batch(1, BATCH);
            ParameterStore store = new ParameterStore(manager, false);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray loss =
                        m.loss(store, MethodFixtures.view1(manager, batch), MethodFixtures.view2(manager, batch));
                assertEquals(0, loss.getShape().dimension(), method + ": the loss is a scalar");
                assertTrue(Float.isFinite(loss.getFloat()), method + ": the loss is finite: " + loss.getFloat());
                collector.backward(loss);
            }
            assertEquals(OUT, m.lastEmbeddingDim(), method + ": the monitored embeddings are the projector's outputs");
            assertEquals(BATCH * OUT, m.lastEmbeddings().length, method + ": one embedding per first view");
            for (Map.Entry<String, Block> block : m.trainableBlocks().entrySet()) {
                double gradient = 0;
                for (Pair<String, Parameter> p : block.getValue().getParameters()) {
                    if (p.getValue().requiresGradient()) {
                        gradient += p.getValue()
                                .getArray()
                                .getGradient()
                                .abs()
                                .sum()
                                .getFloat();
                    }
                }
                assertTrue(gradient > 0, method + ": the loss reaches trained block " + block.getKey());
            }
            for (Map.Entry<String, Block> block : m.targetBlocks().entrySet()) {
                for (Pair<String, Parameter> p : block.getValue().getParameters()) {
                    assertFalse(
                            p.getValue().requiresGradient(),
                            method + ": " + block.getKey() + "/" + p.getKey() + " is frozen");
                    assertFalse(
                            p.getValue().getArray().hasGradient(),
                            method + ": no gradient reaches " + block.getKey() + "/" + p.getKey());
                }
            }
        }
    }

    /**
     * Autograd keeps some operands of the forward pass for the backward one; if any of them lives in
     * memory the JVM may free (a constant DJL wrapped in a direct buffer and closed: see
     * {@code Scalars}), a garbage collection between the two passes corrupts the gradient. Two learners
     * of the same seed on the same batch: the gradients of one that collects garbage and reuses the
     * freed memory between its passes equal those of one that does not.
     */
    @ParameterizedTest
    @MethodSource("methods")
    void gradientsSurviveAGarbageCollectionBetweenForwardAndBackward(String method) {
        var batch = MethodFixtures.batch(1, BATCH);
        Map<String, float[]> quiet = gradients(method, batch, false);
        Map<String, float[]> collected = gradients(method, batch, true);
        assertEquals(quiet.keySet(), collected.keySet(), method + ": the same trained parameters");
        quiet.forEach((name, expected) -> {
            float[] actual = collected.get(name);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(
                        expected[i],
                        actual[i],
                        1e-5 * (1 + Math.abs(expected[i])),
                        method + ": gradient of " + name + "[" + i + "] after a GC between forward and backward");
            }
        });
    }

    private static Map<String, float[]> gradients(String method, PairBatch batch, boolean collectInBetween) {
        try (Learner learner = learner(method, 1e-3);
                NDManager manager = NDManager.newBaseManager()) {
            SslMethod m = learner.method();
            ParameterStore store = new ParameterStore(manager, false);
            List<ByteBuffer> reused = List.of();
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray loss =
                        m.loss(store, MethodFixtures.view1(manager, batch), MethodFixtures.view2(manager, batch));
                if (collectInBetween) {
                    reused = collectAndReuseFreedMemory();
                }
                collector.backward(loss);
            }
            Map<String, float[]> gradients = new LinkedHashMap<>();
            m.trainableBlocks().forEach((role, block) -> {
                for (Pair<String, Parameter> p : block.getParameters()) {
                    if (p.getValue().requiresGradient()) {
                        gradients.put(
                                role + "/" + p.getKey(),
                                p.getValue().getArray().getGradient().toFloatArray());
                    }
                }
            });
            Reference.reachabilityFence(reused);
            return gradients;
        }
    }

    /**
     * Two collections (each lets the cleaner thread free unreachable direct buffers), then many small
     * direct buffers of zeros, so that freed native memory is handed out again and overwritten.
     */
    private static List<ByteBuffer> collectAndReuseFreedMemory() {
        for (int i = 0; i < 2; i++) {
            System.gc();
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<ByteBuffer> buffers = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            buffers.add(ByteBuffer.allocateDirect(4 + 4 * (i % 4))); // zeros: a freed divisor becomes 0
        }
        return buffers;
    }

    /**
     * Four batches in turn, so that a queue of negatives always holds other images; the mean loss of
     * the last four steps against that of steps 3 to 6 (step 1 of MoCo is measured against the random
     * initial queue and is easy). Every method drops by half or more here (Barlow Twins the least).
     */
    @ParameterizedTest
    @MethodSource("methods")
    void lossGoesDownOverAFewSteps(String method) {
        int steps = 24;
        try (Learner learner = learner(method, 3e-3)) {
            double early = 0;
            double late = 0;
            for (int step = 1; step <= steps; step++) {
                double loss = learner.step(MethodFixtures.batch(step % 4, BATCH), 3e-3, step, steps)
                        .loss();
                if (step > 2 && step <= 6) {
                    early += loss / 4;
                } else if (step > steps - 4) {
                    late += loss / 4;
                }
            }
            assertTrue(
                    late < early - 0.25 * Math.abs(early),
                    method + " learns: mean loss " + early + " -> " + late + " (a quarter lower at least)");
        }
    }

    @ParameterizedTest
    @MethodSource("methods")
    void aRestoredLearnerTakesExactlyTheSameNextSteps(String method) {
        try (Learner original = learner(method, 1e-3);
                Learner restored = learner(method, 1e-3)) {
            for (int step = 1; step <= 3; step++) {
                original.step(MethodFixtures.batch(step, BATCH), 1e-3, step, 10);
            }
            restored.step(MethodFixtures.batch(98, BATCH), 1e-3, 1, 10); // trained on something else before the restore
            restored.step(MethodFixtures.batch(99, BATCH), 1e-3, 2, 10);
            restored.restore(original.state());
            for (int step = 4; step <= 6; step++) { // past the turnover of a queue of 2 x 2N keys
                double expected = original.step(MethodFixtures.batch(step, BATCH), 1e-3, step, 10)
                        .loss();
                double actual = restored.step(MethodFixtures.batch(step, BATCH), 1e-3, step, 10)
                        .loss();
                assertEquals(
                        expected,
                        actual,
                        1e-5,
                        method + ", step " + step
                                + ": weights, target networks, batch-norm statistics, method state and optimizer moments are all restored");
            }
        }
    }

    /**
     * A step frees what it allocates: after the first steps (lazy optimizer buffers, a queue), the
     * learner's manager holds the same arrays however many steps follow.
     */
    @ParameterizedTest
    @MethodSource("methods")
    void aStepLeavesNoArrayBehind(String method) {
        try (Learner learner = learner(method, 1e-3)) {
            for (int step = 1; step <= 2; step++) {
                learner.step(MethodFixtures.batch(step, BATCH), 1e-3, step, 10);
            }
            learner.monitors();
            learner.state();
            int held = learner.managedArrays();
            for (int step = 3; step <= 6; step++) {
                learner.step(MethodFixtures.batch(step, BATCH), 1e-3, step, 10);
            }
            learner.monitors();
            learner.state();
            assertEquals(held, learner.managedArrays(), method + ": four more steps, no more arrays held");
        }
    }
}
