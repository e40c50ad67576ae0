package io.twinview.model.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.twinview.model.EncoderKind;
import io.twinview.model.Encoders;
import io.twinview.model.ImageTensors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The exported ONNX model, loaded by ONNX Runtime (its loader resolves the graph and infers every
 * shape, which is the model check available in Java: onnx's own checker exists for C++ and Python
 * only), gives the features DJL's inference forward gives, on real images normalised as
 * evaluation normalises them.
 */
class OnnxExportTest {

    /** ImageTensors' CIFAR-10 statistics, which every run normalises with. */
    private static final float[] MEAN = {0.4914f, 0.4822f, 0.4465f};

    private static final float[] STD = {0.2470f, 0.2435f, 0.2616f};
    private static final Set<String> STANDARD_OPS = Set.of(
            "Conv",
            "BatchNormalization",
            "Relu",
            "Sigmoid",
            "Tanh",
            "MaxPool",
            "AveragePool",
            "Add",
            "Concat",
            "GlobalAveragePool",
            "GlobalMaxPool",
            "Flatten",
            "Gemm",
            "Identity");

    @ParameterizedTest(name = "{0} at {1} px")
    @CsvSource({
        "small, 32, 3",
        "small, 96, 2",
        "resnet18, 32, 3",
        "resnet18, 96, 2",
        "resnet50, 32, 1", // the CIFAR stem keeps 32x32 maps through 256 channels: one image keeps the test short
        "resnet50, 96, 2"
    })
    void featuresMatchDjlOnRealImages(String name, int size, int count) throws Exception {
        EncoderKind kind = EncoderKind.resolve(name, size); // the CIFAR stem at 32 px, the ImageNet stem at 96
        String key = kind.key();
        TestImages images = TestImages.load(count, size);
        try (NDManager manager = NDManager.newBaseManager()) {
            Block encoder = Encoders.create(kind, 7, size, manager);
            perturbBatchNorm(encoder, new Random(11));
            NDArray x = ImageTensors.normalized(manager, images.pixels(), 0, images.count(), size, size);
            calibrateBatchNorm(encoder, x, manager);
            byte[] onnx = export(encoder, key, size);

            float[] djl = encoder.forward(new ParameterStore(manager, false), new NDList(x), false)
                    .singletonOrThrow()
                    .toFloatArray(); // (n, D)
            float[][] ort = runOrt(onnx, x.toFloatArray(), images.count(), size);

            assertEquals(images.count(), ort.length, "one feature row per image");
            assertEquals(kind.featureDim(), ort[0].length, key + " features have the encoder's width");
            double maxAbs = maxAbsDiff(djl, ort);
            double scale = maxAbs(djl);
            assertTrue(
                    maxAbs <= 1e-4,
                    key + " at " + size + " px on " + images.source() + ": ONNX Runtime's features match DJL's"
                            + " inference forward to 1e-4; max abs difference " + maxAbs + " (features up to "
                            + scale + ")");
        }
    }

    @Test
    void writesStandardOperatorsWeightsAsInitializersAndASymbolicBatch() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block encoder = Encoders.create(EncoderKind.RESNET18_CIFAR, 3, 32, manager);
            OnnxMl.ModelProto model = OnnxExport.toModel(encoder, "resnet18-cifar", 32, MEAN, STD);

            assertEquals(1, model.getOpsetImportCount(), "one opset: the default domain");
            assertEquals("", model.getOpsetImport(0).getDomain(), "the default ONNX domain, no custom ops");
            assertEquals(OnnxExport.OPSET, model.getOpsetImport(0).getVersion(), "opset 17");
            OnnxMl.GraphProto graph = model.getGraph();
            Set<String> defined = new HashSet<>();
            graph.getInputList().forEach(v -> defined.add(v.getName()));
            graph.getInitializerList().forEach(t -> defined.add(t.getName()));
            for (OnnxMl.NodeProto node : graph.getNodeList()) {
                assertTrue(STANDARD_OPS.contains(node.getOpType()), "standard operator only, got " + node.getOpType());
                assertEquals("", node.getDomain(), node.getName() + " is in the default domain");
                for (String input : node.getInputList()) {
                    assertTrue(
                            defined.contains(input),
                            node.getName() + " reads " + input + " after it is defined (topological order)");
                }
                defined.addAll(node.getOutputList());
            }
            long weights = 0;
            for (Pair<String, Parameter> p : encoder.getParameters()) {
                weights += p.getValue().getArray().size();
            }
            long stored = 0;
            for (OnnxMl.TensorProto t : graph.getInitializerList()) {
                stored += t.getRawData().size() / 4;
            }
            assertEquals(weights, stored, "every parameter (BN running statistics included) is an initializer");
            assertEquals(
                    OnnxExport.BATCH,
                    graph.getInput(0)
                            .getType()
                            .getTensorType()
                            .getShape()
                            .getDim(0)
                            .getDimParam(),
                    "the batch axis of the input is symbolic");

            byte[] onnx = model.toByteArray();
            NDArray x = manager.randomNormal(new Shape(5, 3, 32, 32));
            float[][] five = runOrt(onnx, x.toFloatArray(), 5, 32);
            float[][] one = runOrt(onnx, x.get("0:1").toFloatArray(), 1, 32);
            assertEquals(5, five.length, "a batch of 5 runs through the same model");
            assertTrue(
                    maxAbsDiff(flatten(one), new float[][] {five[0]}) <= 1e-5,
                    "an image's features do not depend on the batch it came in (inference batch norm)");
        }
    }

    @Test
    void metadataDescribesThePreprocessingEvaluationApplies() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block encoder = Encoders.create(EncoderKind.SMALL, 5, 32, manager);
            Map<String, String> metadata;
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (OrtSession session =
                    env.createSession(export(encoder, "small", 32), new OrtSession.SessionOptions())) {
                metadata = session.getMetadata().getCustomMetadata();
                assertEquals(List.of(OnnxExport.INPUT), List.copyOf(session.getInputNames()), "one input, 'images'");
                assertEquals(
                        List.of(OnnxExport.OUTPUT), List.copyOf(session.getOutputNames()), "one output, 'features'");
            }
            assertEquals("small", metadata.get("encoder"), "encoder key");
            assertEquals("256", metadata.get("feature_dim"), "feature width");
            assertEquals("32", metadata.get("image_size"), "image side");
            assertEquals("NCHW", metadata.get("layout"), "layout");
            assertEquals("RGB", metadata.get("channel_order"), "channel order");
            assertTrue(metadata.get("value_range").startsWith("0..1"), "pixels scaled to 0..1 before normalising");

            // a consumer that follows the metadata feeds exactly what evaluation feeds the encoder
            String[] mean = metadata.get("mean").split(",");
            String[] std = metadata.get("std").split(",");
            TestImages images = TestImages.load(2, 32);
            float[] expected = ImageTensors.normalized(manager, images.pixels(), 0, 2, 32, 32)
                    .toFloatArray();
            int plane = 32 * 32;
            for (int i = 0; i < 2; i++) {
                for (int p = 0; p < plane; p++) {
                    for (int c = 0; c < 3; c++) {
                        float pixel = (images.pixels()[(i * plane + p) * 3 + c] & 0xff) / 255f;
                        float fromMetadata = (pixel - Float.parseFloat(mean[c])) / Float.parseFloat(std[c]);
                        float evaluated = expected[(i * 3 + c) * plane + p];
                        assertEquals(evaluated, fromMetadata, 1e-5, "image " + i + " channel " + c + " pixel " + p);
                    }
                }
            }
        }
    }

    /**
     * An ImageNet-size architecture from the same DJL block types - 7x7/2 stem, 3x3/2 max-pool, a
     * bottleneck block with a projection shortcut, a linear head - exports without exporter code of
     * its own.
     */
    @Test
    void anImageNetStemAndABottleneckExportFromTheSameBlockTypes() throws Exception {
        SequentialBlock net = new SequentialBlock()
                .add(conv(16, 7, 2))
                .add(BatchNorm.builder().build())
                .add(Activation::relu)
                .add(Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1)))
                .add(bottleneck(8, 2))
                .add(Pool.globalAvgPool2dBlock())
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(10).build());
        TestImages images = TestImages.load(2, 64);
        try (NDManager manager = NDManager.newBaseManager()) {
            Encoders.initialize(net, 9, new Shape(1, 3, 64, 64), manager);
            perturbBatchNorm(net, new Random(3));
            byte[] onnx = export(net, "imagenet-stem-test", 64);
            NDArray x = ImageTensors.normalized(manager, images.pixels(), 0, 2, 64, 64);
            float[] djl = net.forward(new ParameterStore(manager, false), new NDList(x), false)
                    .singletonOrThrow()
                    .toFloatArray();
            float[][] ort = runOrt(onnx, x.toFloatArray(), 2, 64);
            double maxAbs = maxAbsDiff(djl, ort);
            assertTrue(maxAbs <= 1e-4, "stem + bottleneck + linear head match DJL; max abs difference " + maxAbs);
            Set<String> ops = new HashSet<>();
            OnnxMl.ModelProto.parseFrom(onnx).getGraph().getNodeList().forEach(n -> ops.add(n.getOpType()));
            assertTrue(ops.containsAll(Set.of("MaxPool", "Gemm", "Add")), "pooled stem, residual add, head: " + ops);
        }
    }

    @Test
    void aBlockWithoutTranslationIsNamedWithItsPath() {
        try (NDManager manager = NDManager.newBaseManager()) {
            SequentialBlock net = new SequentialBlock()
                    .add(conv(4, 3, 1))
                    .add(Dropout.builder().optRate(0.5f).build())
                    .add(Pool.globalAvgPool2dBlock());
            Encoders.initialize(net, 1, new Shape(1, 3, 8, 8), manager);
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> OnnxExport.toModel(net, "net", 8, MEAN, STD));
            assertTrue(
                    e.getMessage().contains("ai.djl.nn.norm.Dropout")
                            && e.getMessage().contains("net/02Dropout"),
                    "the error names the block type and where it sits: " + e.getMessage());

            SequentialBlock doubled = new SequentialBlock().add(conv(4, 3, 1)).addSingleton(a -> a.mul(2));
            Encoders.initialize(doubled, 1, new Shape(1, 3, 8, 8), manager);
            e = assertThrows(IllegalArgumentException.class, () -> OnnxExport.toModel(doubled, "net", 8, MEAN, STD));
            assertTrue(
                    e.getMessage().contains("LambdaBlock") && e.getMessage().contains("net/02"),
                    "an unknown function is named with its place: " + e.getMessage());

            SequentialBlock gated = new SequentialBlock()
                    .add(new ParallelBlock(
                            outputs -> new NDList(outputs.get(0)
                                    .singletonOrThrow()
                                    .mul(outputs.get(1).singletonOrThrow())),
                            List.of(conv(4, 3, 1), conv(4, 1, 1))))
                    .add(Pool.globalAvgPool2dBlock());
            Encoders.initialize(gated, 1, new Shape(1, 3, 8, 8), manager);
            e = assertThrows(IllegalArgumentException.class, () -> OnnxExport.toModel(gated, "net", 8, MEAN, STD));
            assertTrue(
                    e.getMessage().contains("join function is none of add, add then relu, concat on axis 1")
                            && e.getMessage().contains("net/01ParallelBlock"),
                    "a join other than add, add + relu or concat is refused with its place: " + e.getMessage());
        }
    }

    @Test
    void exportLeavesTheEnginesRandomStreamAlone() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block encoder = Encoders.create(EncoderKind.SMALL, 1, 32, manager);
            Engine.getInstance().setRandomSeed(5);
            float[] undisturbed = manager.randomNormal(new Shape(8)).toFloatArray();
            Engine.getInstance().setRandomSeed(5);
            OnnxExport.toModel(encoder, "small", 32, MEAN, STD);
            float[] afterExport = manager.randomNormal(new Shape(8)).toFloatArray();
            assertArrayEquals(
                    undisturbed,
                    afterExport,
                    "probing draws from its own generator: exporting mid-run does not change what training draws next");
        }
    }

    @Test
    void badArgumentsNameTheFieldAndValue() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block encoder = Encoders.create(EncoderKind.SMALL, 1, 32, manager);
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> OnnxExport.toModel(encoder, "small", 32, new float[] {0.5f, 0.5f}, STD));
            assertTrue(e.getMessage().startsWith("mean must hold 3 values"), e.getMessage());
            e = assertThrows(
                    IllegalArgumentException.class,
                    () -> OnnxExport.toModel(encoder, "small", 32, MEAN, new float[] {0.2f, 0f, 0.2f}));
            assertTrue(e.getMessage().contains("std must hold positive values"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> OnnxExport.toModel(encoder, "small", 0, MEAN, STD));
            assertTrue(e.getMessage().contains("imageSize must be at least 1 pixel, was 0"), e.getMessage());
            Block fresh = EncoderKind.SMALL.newBlock();
            e = assertThrows(IllegalArgumentException.class, () -> OnnxExport.toModel(fresh, "small", 32, MEAN, STD));
            assertTrue(e.getMessage().contains("not initialised"), e.getMessage());
        }
    }

    private static byte[] export(Block encoder, String key, int size) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OnnxExport.write(encoder, key, size, MEAN, STD, out);
        return out.toByteArray();
    }

    private static float[][] runOrt(byte[] onnx, float[] images, int n, int size) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(onnx, new OrtSession.SessionOptions());
                OnnxTensor input =
                        OnnxTensor.createTensor(env, FloatBuffer.wrap(images), new long[] {n, 3, size, size});
                OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, input))) {
            return (float[][]) result.get(OnnxExport.OUTPUT).orElseThrow().getValue();
        }
    }

    /**
     * Fresh batch norms are the identity (mean 0, variance 1, gamma 1, beta 0), which would hide a
     * swapped or missing statistic: give each one distinct values, as training would.
     */
    /**
     * Moves the running statistics most of the way (1 - 0.9^10 = 65%) to those of the images, as training
     * leaves them: with statistics that do not match the activations, a randomly initialised ResNet-50's
     * features grow to hundreds through its 16 residual blocks, where float32 rounding alone exceeds 1e-4.
     */
    private static void calibrateBatchNorm(Block encoder, NDArray images, NDManager manager) {
        ParameterStore store = new ParameterStore(manager, false);
        for (int i = 0; i < 10; i++) {
            try (NDManager step = manager.newSubManager()) {
                NDArray x = images.duplicate();
                x.attach(step);
                encoder.forward(store, new NDList(x), true); // training mode: BatchNorm updates its running stats
            }
        }
    }

    private static void perturbBatchNorm(Block encoder, Random random) {
        for (Pair<String, Parameter> p : encoder.getParameters()) {
            String name = p.getKey();
            NDArray array = p.getValue().getArray();
            float[] values = new float[(int) array.size()];
            for (int i = 0; i < values.length; i++) {
                float u = random.nextFloat();
                if (name.endsWith("runningVar")) {
                    values[i] = 0.5f + 1.5f * u;
                } else if (name.endsWith("gamma")) {
                    values[i] = 0.5f + u;
                } else if (name.endsWith("runningMean") || name.endsWith("beta")) {
                    values[i] = u - 0.5f;
                } else {
                    values = null;
                    break;
                }
            }
            if (values != null) {
                array.set(FloatBuffer.wrap(values));
            }
        }
    }

    private static Block bottleneck(int width, int stride) {
        SequentialBlock residual = new SequentialBlock()
                .add(conv(width, 1, 1))
                .add(BatchNorm.builder().build())
                .add(Activation::relu)
                .add(conv(width, 3, stride))
                .add(BatchNorm.builder().build())
                .add(Activation::relu)
                .add(conv(4 * width, 1, 1))
                .add(BatchNorm.builder().build());
        Block shortcut = new SequentialBlock()
                .add(conv(4 * width, 1, stride))
                .add(BatchNorm.builder().build());
        return new ParallelBlock(
                outputs -> new NDList(Activation.relu(
                        outputs.get(0).singletonOrThrow().add(outputs.get(1).singletonOrThrow()))),
                List.of(residual, shortcut));
    }

    private static Block conv(int filters, int kernel, int stride) {
        return Conv2d.builder()
                .setKernelShape(new Shape(kernel, kernel))
                .optStride(new Shape(stride, stride))
                .optPadding(new Shape(kernel / 2, kernel / 2))
                .setFilters(filters)
                .optBias(false)
                .build();
    }

    private static double maxAbsDiff(float[] flat, float[][] rows) {
        double max = 0;
        int dim = rows[0].length;
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < dim; j++) {
                max = Math.max(max, Math.abs(flat[i * dim + j] - rows[i][j]));
            }
        }
        return max;
    }

    private static double maxAbs(float[] values) {
        double max = 0;
        for (float v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    private static float[] flatten(float[][] rows) {
        float[] flat = new float[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * rows[0].length, rows[i].length);
        }
        return flat;
    }
}
