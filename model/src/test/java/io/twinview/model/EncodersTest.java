package io.twinview.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class EncodersTest {

    private static NDArray features(Block encoder, NDManager manager, int n, int size) {
        NDArray images = manager.randomNormal(new Shape(n, 3, size, size));
        return encoder.forward(new ParameterStore(manager, false), new NDList(images), false)
                .singletonOrThrow();
    }

    @Test
    void eachEncoderMapsImagesToItsFeatureWidth() {
        try (NDManager manager = NDManager.newBaseManager()) {
            for (EncoderKind kind : EncoderKind.values()) {
                Block encoder = Encoders.create(kind, 1, 32, manager);
                assertEquals(
                        new Shape(2, kind.featureDim()),
                        features(encoder, manager, 2, 32).getShape(),
                        kind.key() + ": (N, 3, 32, 32) -> (N, " + kind.featureDim() + ")");
            }
        }
    }

    @Test
    void theSameSeedGivesTheSameWeightsAndAnotherSeedOthers() {
        try (NDManager manager = NDManager.newBaseManager()) {
            byte[] a = BlockParameters.toBytes(Encoders.create(EncoderKind.SMALL, 42, 32, manager));
            byte[] b = BlockParameters.toBytes(Encoders.create(EncoderKind.SMALL, 42, 32, manager));
            byte[] c = BlockParameters.toBytes(Encoders.create(EncoderKind.SMALL, 43, 32, manager));
            assertArrayEquals(
                    a, b, "initial weights are a pure function of the seed (eval rebuilds the baseline from it)");
            assertFalse(Arrays.equals(a, c), "another seed, other weights");
        }
    }

    @Test
    void loadedParametersMatchAndStayTrainable() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block source = Encoders.create(EncoderKind.SMALL, 1, 16, manager);
            Block target = Encoders.create(EncoderKind.SMALL, 2, 16, manager);
            BlockParameters.load(target, BlockParameters.toBytes(source), manager);
            assertArrayEquals(
                    BlockParameters.toBytes(source), BlockParameters.toBytes(target), "parameters round-trip exactly");
            for (Pair<String, Parameter> parameter : target.getParameters()) {
                if (parameter.getValue().requiresGradient()) {
                    assertTrue(
                            parameter.getValue().getArray().hasGradient(),
                            parameter.getKey() + " can still be trained after loading");
                }
            }
            Block other = EncoderKind.RESNET18_CIFAR.newBlock();
            Encoders.initialize(other, 1, new Shape(1, 3, 16, 16), manager);
            assertThrows(
                    IllegalArgumentException.class,
                    () -> BlockParameters.load(other, BlockParameters.toBytes(source), manager),
                    "parameters of another architecture are refused");
        }
    }

    @Test
    void normalisationUsesPerChannelStatisticsAndHwcToChwOrder() {
        try (NDManager manager = NDManager.newBaseManager()) {
            byte[] pixels = {(byte) 255, 0, (byte) 128}; // one 1x1 RGB image
            float[] x = ImageTensors.normalized(manager, pixels, 0, 1, 1, 1).toFloatArray();
            assertEquals((1 - 0.4914f) / 0.2470f, x[0], 1e-5, "red channel first, normalised");
            assertEquals((0 - 0.4822f) / 0.2435f, x[1], 1e-5, "green");
            assertEquals((128 / 255f - 0.4465f) / 0.2616f, x[2], 1e-5, "blue");
        }
    }

    @Test
    void unknownEncoderKeyNamesTheAllowedOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EncoderKind.resolve("vit", 32));
        assertTrue(e.getMessage().contains("small") && e.getMessage().contains("resnet50-imagenet"), e.getMessage());
    }
}
