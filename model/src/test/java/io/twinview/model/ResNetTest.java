package io.twinview.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.Pair;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResNetTest {

    /** Zero weights: the shapes are the point here, and the seeded draw of 23 M weights takes seconds. */
    private static Block zeroInitialised(EncoderKind kind, int size, NDManager manager) {
        Block encoder = kind.newBlock();
        encoder.setInitializer(Initializer.ZEROS, Parameter.Type.WEIGHT);
        encoder.initialize(manager, DataType.FLOAT32, new Shape(1, 3, size, size));
        return encoder;
    }

    /** DJL's shape inference through every layer (no arithmetic: a 224 px ResNet-50 forward takes seconds). */
    private static Shape inferredFeaturesShape(EncoderKind kind, int size, NDManager manager) {
        return zeroInitialised(kind, size, manager).getOutputShapes(new Shape[] {new Shape(1, 3, size, size)})[0];
    }

    private static Shape forwardFeaturesShape(EncoderKind kind, int size, NDManager manager) {
        Block encoder = zeroInitialised(kind, size, manager);
        return encoder.forward(
                        new ParameterStore(manager, false),
                        new NDList(manager.randomNormal(new Shape(2, 3, size, size))),
                        false)
                .singletonOrThrow()
                .getShape();
    }

    /** Trainable weights and biases only, as torch's {@code parameters()} counts (no BN running statistics). */
    private static long trainableParameters(EncoderKind kind, NDManager manager) {
        Block encoder = zeroInitialised(kind, 32, manager);
        long count = 0;
        for (Pair<String, Parameter> parameter : encoder.getParameters()) {
            if (parameter.getValue().requiresGradient()) {
                count += parameter.getValue().getArray().size();
            }
        }
        return count;
    }

    @Test
    void resNetsMapEverySizeFrom32To224ToTheirFeatureWidth() {
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int size : new int[] {32, 96, 224}) {
                for (String key : List.of("resnet18", "resnet50")) {
                    EncoderKind kind = EncoderKind.resolve(key, size);
                    int width = key.equals("resnet18") ? 512 : 2048;
                    assertEquals(
                            new Shape(1, width),
                            inferredFeaturesShape(kind, size, manager),
                            kind.key() + " at " + size + " px gives " + width + " features");
                }
            }
            assertEquals(
                    new Shape(2, 2048),
                    forwardFeaturesShape(EncoderKind.RESNET50_IMAGENET, 96, manager),
                    "a real forward pass agrees: (2, 3, 96, 96) -> (2, 2048) through stem, max-pool and bottlenecks");
            assertEquals(
                    new Shape(2, 512),
                    forwardFeaturesShape(EncoderKind.RESNET18_CIFAR, 96, manager),
                    "the CIFAR stem can be asked for explicitly at 96 px");
        }
    }

    @Test
    void parameterCountsAreTorchvisionsWithoutTheFc() {
        try (NDManager manager = NDManager.newBaseManager()) {
            assertEquals(
                    11_689_512L - (512 * 1000 + 1000),
                    trainableParameters(EncoderKind.RESNET18_IMAGENET, manager),
                    "torchvision resnet18 has 11,689,512 parameters, 513,000 of them in the fc");
            assertEquals(
                    25_557_032L - (2048 * 1000 + 1000),
                    trainableParameters(EncoderKind.RESNET50_IMAGENET, manager),
                    "torchvision resnet50 has 25,557,032 parameters, 2,049,000 of them in the fc");
            long stemDifference = 64 * 3 * 7 * 7 - 64 * 3 * 3 * 3; // 9,408 - 1,728
            assertEquals(
                    11_176_512L - stemDifference,
                    trainableParameters(EncoderKind.RESNET18_CIFAR, manager),
                    "the CIFAR stem differs by its 3x3 conv only: 11,168,832");
            assertEquals(
                    23_508_032L - stemDifference,
                    trainableParameters(EncoderKind.RESNET50_CIFAR, manager),
                    "the CIFAR stem differs by its 3x3 conv only: 23,500,352");
        }
    }

    @Test
    void automaticKeysPickTheStemByImageSizeAndResolveToExplicitKeys() {
        assertEquals(EncoderKind.RESNET18_CIFAR, EncoderKind.resolve("resnet18", 32), "32 px: CIFAR stem");
        assertEquals(EncoderKind.RESNET18_CIFAR, EncoderKind.resolve("resnet18", 63), "below 64 px: CIFAR stem");
        assertEquals(EncoderKind.RESNET18_IMAGENET, EncoderKind.resolve("resnet18", 64), "from 64 px: ImageNet stem");
        assertEquals(EncoderKind.RESNET50_IMAGENET, EncoderKind.resolve("resnet50", 224), "224 px: ImageNet stem");
        assertEquals(EncoderKind.RESNET50_CIFAR, EncoderKind.resolve("resnet50", 32), "32 px: CIFAR stem");
        assertEquals(
                EncoderKind.RESNET18_CIFAR,
                EncoderKind.resolve("resnet18-cifar", 224),
                "an explicit key is taken as it is, at any size");
        for (EncoderKind kind : EncoderKind.values()) {
            assertEquals(kind, EncoderKind.stored(kind.key()), "a resolved spec's explicit key reads back: " + kind);
        }
        assertEquals(
                EncoderKind.RESNET18_CIFAR,
                EncoderKind.stored("resnet18"),
                "a spec stored before the stems were a choice said resnet18 for the CIFAR stem, at any size");
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> EncoderKind.resolve("resnet34", 224));
        assertEquals(
                "encoder 'resnet34' is not known; allowed: small, resnet18, resnet50, resnet18-cifar,"
                        + " resnet18-imagenet, resnet50-cifar, resnet50-imagenet",
                e.getMessage(),
                "an unknown key is named with every allowed one");
    }

    @Test
    void existingCheckpointsKeepTheirParameterLayout() throws IOException {
        // written by the encoders as they were before this change (resnet18 = ResNet18Cifar)
        try (NDManager manager = NDManager.newBaseManager()) {
            assertEquals(
                    resource("resnet18-32px-parameters.txt"),
                    layout(Encoders.create(EncoderKind.stored("resnet18"), 1, 32, manager)),
                    "a stored resnet18 spec at 32 px builds the same parameters in the same order, so old"
                            + " checkpoints load");
            assertEquals(
                    resource("small-32px-parameters.txt"),
                    layout(Encoders.create(EncoderKind.SMALL, 1, 32, manager)),
                    "the small ConvNet is unchanged");
        }
    }

    private static List<String> layout(Block encoder) {
        List<String> lines = new ArrayList<>();
        encoder.getParameters()
                .forEach(p ->
                        lines.add(p.getKey() + " " + p.getValue().getArray().getShape()));
        return lines;
    }

    static List<String> resource(String name) throws IOException {
        try (InputStream in = ResNetTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .lines()
                    .filter(line -> !line.startsWith("#"))
                    .toList();
        }
    }
}
