package io.twinview.trainer.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.twinview.proto.v1.MoCoSettings;
import io.twinview.proto.v1.ProjectorSpec;
import io.twinview.trainer.loss.NtXent;
import io.twinview.trainer.train.Learner;
import io.twinview.trainer.train.PairBatch;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MoCoTest {

    private static final int SIZE = 16;
    private static final int OUT = 16;

    /** MoCo settings at batch 8 with a head of {@code layers} layers 32 -> {@value #OUT}. */
    private static MoCoSettings settings(int layers, double temperature, double momentum, int queue, int splits) {
        return MoCoSettings.newBuilder()
                .setProjector(ProjectorSpec.newBuilder()
                        .setHiddenDim(32)
                        .setOutputDim(OUT)
                        .setLayers(layers))
                .setTemperature(temperature)
                .setMomentum(momentum)
                .setQueueSize(queue)
                .setKeyBnSplits(splits)
                .build();
    }

    private static Learner learner(String method, MoCoSettings settings) {
        return MethodFixtures.learner(method, settings, 1e-3);
    }

    private static MoCo direct(NDManager manager, MoCoSettings settings) {
        return new MoCo(MethodFixtures.context(manager, 3), settings);
    }

    private static PairBatch batch(long seed, int n) {
        return MethodFixtures.batch(seed, n);
    }

    private static NDArray images(NDManager manager, long seed, int n) {
        manager.getEngine().setRandomSeed((int) seed);
        return manager.randomNormal(new Shape(n, 3, SIZE, SIZE));
    }

    private static float[] queue(SslMethod method) {
        return method.state().get(MoCoQueue.KEYS).toFloatArray();
    }

    private static long pointer(SslMethod method) {
        return method.state().get(MoCoQueue.POINTER).getLong(0);
    }

    @Test
    void definitionsCarryEachPapersHeadTemperatureAndRecipe() {
        MoCoSettings v1 = MoCo.V1.defaults();
        assertEquals("https://arxiv.org/abs/1911.05722", MoCo.V1.paper());
        assertEquals(0.07, v1.getTemperature(), "MoCo v1: T 0.07");
        assertEquals(1, v1.getProjector().getLayers(), "MoCo v1: a linear head");
        assertEquals("mocov1", MoCo.V1.recipe().augment(), "MoCo v1: InstDisc's augmentation");
        MoCoSettings v2 = MoCo.V2.defaults();
        assertEquals("https://arxiv.org/abs/2003.04297", MoCo.V2.paper());
        assertEquals(
                0.1,
                v2.getTemperature(),
                "MoCo v2 on the CPU budget: T 0.1, the authors' CIFAR demo value (the paper's ImageNet 0.2 learns too slowly here)");
        assertEquals(2, v2.getProjector().getLayers(), "MoCo v2: an MLP head");
        assertEquals(
                "mocov2",
                MoCo.V2.recipe().augment(),
                "MoCo v2: its own recipe, SimCLR's augmentation with MoCo's crop and blur");
        assertEquals("cosine", MoCo.V2.recipe().optimizer().getSchedule(), "MoCo v2: cosine learning rate");
        for (MethodDefinition<MoCoSettings> definition : List.of(MoCo.V1, MoCo.V2)) {
            MoCoSettings d = definition.defaults();
            int batch = definition.recipe().batchSize();
            assertEquals(0, d.getQueueSize() % batch, "the default queue is a multiple of the default batch");
            assertEquals(0, batch % d.getKeyBnSplits(), "the key BN splits divide the default batch");
            assertTrue(d.getMomentum() >= 0.9 && d.getMomentum() < 1, "a slowly moving key network");
        }
    }

    @Test
    void outputShapes() {
        try (NDManager manager = NDManager.newBaseManager()) {
            MoCo moco = direct(manager, settings(2, 0.2, 0.99, 32, 2));
            assertEquals(
                    List.of("encoder", "projector"),
                    List.copyOf(moco.trainableBlocks().keySet()),
                    "only the query network is trained by gradient");
            assertEquals(
                    List.of("key_encoder", "key_projector"),
                    List.copyOf(moco.targetBlocks().keySet()),
                    "the key network is saved with the checkpoint");
            ParameterStore store = new ParameterStore(manager, false);
            NDArray x1 = images(manager, 1, 8);
            NDArray x2 = images(manager, 2, 8);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray loss = moco.loss(store, x1, x2);
                assertEquals(new Shape(), loss.getShape(), "the loss is a scalar");
                NDArray keys = moco.keys(store, x1);
                assertEquals(new Shape(8, OUT), keys.getShape(), "keys are (N, out)");
                float[] ones = new float[8];
                java.util.Arrays.fill(ones, 1f);
                assertArrayEquals(ones, keys.norm(new int[] {1}).toFloatArray(), 1e-5f, "keys are unit rows");
                assertFalse(keys.hasGradient(), "keys carry no gradient");
            }
            assertEquals(OUT, moco.lastEmbeddingDim(), "the monitors see the (N, out) queries of view 1");
            assertEquals(8 * OUT, moco.lastEmbeddings().length);
            NDList state = moco.state();
            assertEquals(new Shape(32, OUT), state.get(MoCoQueue.KEYS).getShape(), "the queue is (K, out)");
            assertEquals(0, pointer(moco));
            moco.afterStep(1, 10);
            assertEquals(16, pointer(moco), "a step enqueues both views' keys: 2N");
        }
    }

    @Test
    void v1HasALinearHeadAndV2AnMlpWithoutBatchNorm() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block linear = direct(manager, settings(1, 0.07, 0.99, 32, 1))
                    .trainableBlocks()
                    .get("projector");
            assertEquals(
                    List.of("weight", "bias"),
                    linear.getParameters().keys().stream()
                            .map(k -> k.substring(k.lastIndexOf('_') + 1))
                            .toList(),
                    "v1: one Linear (features -> out)");
            Block mlp = direct(manager, settings(2, 0.2, 0.99, 32, 1))
                    .trainableBlocks()
                    .get("projector");
            assertEquals(4, mlp.getParameters().size(), "v2: Linear-ReLU-Linear, no batch-norm parameters");
            assertEquals(
                    new Shape(OUT, 32),
                    mlp.getParameters().get(2).getValue().getArray().getShape(),
                    "v2's second layer maps the hidden width to out");
        }
    }

    @Test
    void splitBatchNormNormalisesEachSubBatchOnItsOwn() {
        try (NDManager manager = NDManager.newBaseManager()) {
            MoCo moco = direct(manager, settings(2, 0.2, 0.99, 32, 2));
            ParameterStore store = new ParameterStore(manager, false);
            NDArray x = images(manager, 3, 8);
            Block keyEncoder = moco.targetBlocks().get("key_encoder");
            Block keyProjector = moco.targetBlocks().get("key_projector");
            NDArray halves = NDArrays.concat(
                    new NDList(
                            keyEncoder
                                    .forward(store, new NDList(x.get("0:4")), true)
                                    .singletonOrThrow(),
                            keyEncoder
                                    .forward(store, new NDList(x.get("4:8")), true)
                                    .singletonOrThrow()),
                    0);
            NDArray expected = NtXent.l2Normalize(
                    keyProjector.forward(store, new NDList(halves), true).singletonOrThrow());
            NDArray whole = NtXent.l2Normalize(keyProjector
                    .forward(store, keyEncoder.forward(store, new NDList(x), true), true)
                    .singletonOrThrow());
            NDArray keys = moco.keys(store, x);
            assertArrayEquals(
                    expected.toFloatArray(),
                    keys.toFloatArray(),
                    1e-5f,
                    "with 2 splits, each half of the batch goes through the key encoder with its own BN statistics");
            assertTrue(
                    whole.sub(keys).abs().max().getFloat() > 1e-3,
                    "which differs from normalising over the whole batch");
        }
    }

    @Test
    void theStepsKeysEnterTheQueueAfterTheStep() {
        try (NDManager manager = NDManager.newBaseManager()) {
            MoCo moco = direct(manager, settings(2, 0.2, 0.99, 32, 2));
            ParameterStore store = new ParameterStore(manager, false);
            NDArray x1 = images(manager, 4, 8);
            NDArray x2 = images(manager, 5, 8);
            float[] before = queue(moco);
            float[] expected;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                moco.loss(store, x1, x2);
                expected = moco.keys(store, x1).concat(moco.keys(store, x2), 0).toFloatArray(); // (2N, out): k1, k2
            }
            assertArrayEquals(before, queue(moco), "the loss reads the queue and leaves it alone");
            moco.afterStep(1, 10);
            float[] after = queue(moco);
            for (int i = 0; i < 32 * OUT; i++) {
                if (i < 16 * OUT) {
                    assertEquals(expected[i], after[i], 1e-5, "slot " + i / OUT + " holds this step's key, k1 then k2");
                } else {
                    assertEquals(before[i], after[i], "slot " + i / OUT + " still holds its older key");
                }
            }
        }
    }

    private static Map<String, float[]> values(Block block) {
        Map<String, float[]> values = new java.util.LinkedHashMap<>();
        block.getParameters()
                .forEach(p -> values.put(p.getKey(), p.getValue().getArray().toFloatArray()));
        return values;
    }

    @Test
    void keyNetworkGetsNoGradientAndMovesExactlyByTheMomentumUpdate() {
        double m = 0.9;
        try (Learner learner = learner("mocov2", settings(2, 0.2, m, 32, 2))) {
            SslMethod moco = learner.method();
            learner.step(batch(1, 8), 1e-3, 1, 10); // after this the key network no longer equals the query one
            for (String role : List.of("encoder", "projector")) {
                Block query = moco.trainableBlocks().get(role);
                Block key = moco.targetBlocks().get("key_" + role);
                Map<String, float[]> keyBefore = values(key);
                learner.step(batch(2, 8), 1e-3, 2, 10);
                Map<String, float[]> queryAfter = values(query);
                List<Parameter> keyParameters = key.getParameters().values();
                List<Parameter> queryParameters = query.getParameters().values();
                int moved = 0;
                for (int p = 0; p < keyParameters.size(); p++) {
                    Parameter k = keyParameters.get(p);
                    assertFalse(k.requiresGradient(), role + " key parameter " + k.getName() + " is frozen");
                    assertFalse(
                            k.getArray().hasGradient(), role + " key parameter " + k.getName() + " has no gradient");
                    if (!queryParameters.get(p).requiresGradient()) {
                        continue; // running statistics: the key network's own
                    }
                    float[] k0 = keyBefore.get(key.getParameters().keys().get(p));
                    float[] q1 = queryAfter.get(query.getParameters().keys().get(p));
                    float[] k1 = k.getArray().toFloatArray();
                    for (int i = 0; i < k1.length; i++) {
                        double hand = m * k0[i] + (1 - m) * q1[i];
                        assertEquals(
                                hand,
                                k1[i],
                                1e-6 + 1e-6 * Math.abs(hand),
                                role + " " + k.getName() + "[" + i
                                        + "] = m k + (1 - m) q after the optimizer step, nothing else");
                    }
                    if (!java.util.Arrays.equals(k0, k1)) {
                        moved++;
                    }
                }
                assertTrue(moved > 0, "the " + role + " key parameters do move");
            }
        }
    }

    @Test
    void aRestoredLearnerHasTheSameQueueAndKeepsItInStep() {
        MoCoSettings settings = settings(2, 0.2, 0.9, 32, 2);
        try (Learner original = learner("mocov2", settings);
                Learner restored = learner("mocov2", settings)) {
            for (int step = 1; step <= 3; step++) {
                original.step(batch(step, 8), 1e-3, step, 10);
            }
            restored.step(batch(98, 8), 1e-3, 1, 10); // trained on something else before the restore
            restored.step(batch(99, 8), 1e-3, 2, 10);
            assertNotEquals(pointer(original.method()), pointer(restored.method()), "the queues start out of step");
            restored.restore(original.state());
            assertArrayEquals(queue(original.method()), queue(restored.method()), "the queue is restored");
            assertEquals(pointer(original.method()), pointer(restored.method()), "and its pointer");
            for (int step = 4; step <= 6; step++) { // past K / 2N = 2 steps: the restored queue has turned over
                original.step(batch(step, 8), 1e-3, step, 10);
                restored.step(batch(step, 8), 1e-3, step, 10);
            }
            assertArrayEquals(queue(original.method()), queue(restored.method()), 1e-5f, "and the queues stay in step");
        }
    }
}
