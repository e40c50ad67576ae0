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
import ai.djl.nn.ParameterList;
import ai.djl.training.ParameterStore;
import io.twinview.core.data.DatasetPolicy;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Export then import: the encoder a run builds from an exported file is the exported one, bit for bit. */
class InitialWeightsTest {

    @TempDir
    Path dir;

    private static final long EXPORT_SEED = 42;
    private static final long RUN_SEED = 7;

    private Path export(EncoderKind kind, Block encoder) throws IOException {
        Path file = dir.resolve(kind.key() + ".safetensors");
        try (OutputStream out = Files.newOutputStream(file)) {
            Safetensors.write(out, Map.of("encoder", kind.key()), EncoderWeights.tensors(kind, encoder));
        }
        return file;
    }

    private static float[] features(Block encoder, NDArray images) {
        return encoder.forward(new ParameterStore(images.getManager(), false), new NDList(images), false)
                .singletonOrThrow()
                .toFloatArray();
    }

    @Test
    void exportThenImportGivesTheSameParametersAndFeatures() throws IOException, NoSuchAlgorithmException {
        for (EncoderKind kind : List.of(EncoderKind.SMALL, EncoderKind.RESNET18_IMAGENET)) {
            int size = kind == EncoderKind.SMALL ? 32 : 96;
            try (NDManager manager = NDManager.newBaseManager()) {
                Block exported = Encoders.create(kind, EXPORT_SEED, size, manager);
                Path file = export(kind, exported);

                InitialWeights weights = InitialWeights.read(file.toString(), null, DatasetPolicy.OPEN);
                assertEquals(file.toString(), weights.uri(), "the weights keep the place as named");
                assertEquals(
                        HexFormat.of()
                                .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file))),
                        weights.sha256(),
                        "the identity is the SHA-256 of the file's bytes");
                weights.check(kind, size);
                Block imported = Encoders.create(kind, RUN_SEED, size, manager, weights);

                ParameterList want = exported.getParameters();
                ParameterList got = imported.getParameters();
                assertEquals(want.size(), got.size(), kind.key() + ": same parameters");
                for (int i = 0; i < want.size(); i++) {
                    assertArrayEquals(
                            want.get(i).getValue().getArray().toFloatArray(),
                            got.get(i).getValue().getArray().toFloatArray(),
                            kind.key() + ": " + want.get(i).getKey() + " (weights and BN statistics) bit for bit");
                }
                NDArray images = manager.randomUniform(-2, 2, new Shape(4, 3, size, size));
                assertArrayEquals(
                        features(exported, images),
                        features(imported, images),
                        kind.key() + ": the imported encoder's features equal the exported one's exactly");
                Block seeded = Encoders.create(kind, RUN_SEED, size, manager, null);
                assertFalse(
                        java.util.Arrays.equals(features(seeded, images), features(imported, images)),
                        kind.key() + ": without weights the run's seed makes another encoder");
            }
        }
    }

    @Test
    void weightsOfAnotherEncoderAreRefusedNamingTheKey() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            Path file = export(EncoderKind.SMALL, Encoders.create(EncoderKind.SMALL, EXPORT_SEED, 32, manager));
            InitialWeights weights = InitialWeights.read(file.toString(), null, DatasetPolicy.OPEN);
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> weights.check(EncoderKind.RESNET18_CIFAR, 32),
                    "small ConvNet weights do not fit a ResNet-18");
            assertTrue(
                    e.getMessage().contains("stage1.conv.weight")
                            && e.getMessage().contains("resnet18-cifar"),
                    "names the key and the encoder: " + e.getMessage());
        }
    }

    @Test
    void aMissingFileOrAnotherFormatIsRefused() throws IOException {
        IllegalArgumentException missing = assertThrows(
                IllegalArgumentException.class,
                () -> InitialWeights.read(dir.resolve("none.safetensors").toString(), null, DatasetPolicy.OPEN));
        assertTrue(missing.getMessage().contains("none.safetensors"), missing.getMessage());
        Path text = Files.writeString(dir.resolve("weights.txt"), "not weights at all");
        IllegalArgumentException garbage = assertThrows(
                IllegalArgumentException.class, () -> InitialWeights.read(text.toString(), null, DatasetPolicy.OPEN));
        assertTrue(garbage.getMessage().contains("not a safetensors file"), garbage.getMessage());
        IllegalArgumentException s3 = assertThrows(
                IllegalArgumentException.class,
                () -> InitialWeights.read("s3://bucket/w.safetensors", null, DatasetPolicy.OPEN));
        assertTrue(s3.getMessage().contains("storage settings"), "an s3 object needs storage: " + s3.getMessage());
    }
}
