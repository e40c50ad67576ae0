package io.twinview.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.Pair;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EncoderWeightsTest {

    @TempDir
    Path dir;

    private static Block zeroInitialised(EncoderKind kind, NDManager manager) {
        Block encoder = kind.newBlock();
        encoder.setInitializer(Initializer.ZEROS, Parameter.Type.WEIGHT);
        encoder.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 32, 32));
        return encoder;
    }

    private static List<String> keysAndShapes(Map<String, Safetensors.Tensor> tensors) {
        List<String> lines = new ArrayList<>();
        tensors.forEach((key, tensor) -> lines.add(key + " " + Arrays.toString(tensor.shape())));
        return lines;
    }

    @Test
    void exportedKeysAreTorchvisionsStateDictWithoutTheFc() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            for (EncoderKind kind : List.of(EncoderKind.RESNET18_IMAGENET, EncoderKind.RESNET50_IMAGENET)) {
                String name = kind.resNet() == ResNet.RESNET18 ? "resnet18" : "resnet50";
                Map<String, Safetensors.Tensor> tensors = EncoderWeights.tensors(kind, zeroInitialised(kind, manager));
                assertEquals(
                        ResNetTest.resource("torchvision-" + name + "-state-dict-without-fc.txt"),
                        keysAndShapes(tensors),
                        kind.key() + ": torchvision." + name + "().state_dict() keys and shapes, in order, minus fc.*");
            }
        }
    }

    @Test
    void namesMapBothWaysAndTheSmallConvNetHasItsOwn() {
        TorchvisionNames names = TorchvisionNames.of(EncoderKind.RESNET18_CIFAR);
        assertEquals("conv1.weight", names.torchKey("01Conv2d_weight"), "the stem conv");
        assertEquals("bn1.running_var", names.torchKey("02BatchNorm_runningVar"), "the stem BN's running variance");
        assertEquals(
                "layer1.0.conv1.weight",
                names.torchKey("04ParallelBlock_01SequentialBlock_01Conv2d_weight"),
                "the first block's first conv");
        assertEquals(
                "06ParallelBlock_02SequentialBlock_02BatchNorm_gamma",
                names.djlPath("layer2.0.downsample.1.weight"),
                "the shortcut BN's gamma, the other way");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> names.djlPath("fc.weight"));
        assertTrue(e.getMessage().contains("fc.weight"), "an unknown key is named: " + e.getMessage());
        List<String> small = TorchvisionNames.of(EncoderKind.SMALL).stateDictKeys();
        assertEquals("stage1.conv.weight", small.get(0), "the small ConvNet's own names");
        assertEquals("stage4.bn.num_batches_tracked", small.get(small.size() - 1), "ending with the last BN");
        assertEquals(4 + 4 * 5, small.size(), "four convs and four BNs of five entries each");
    }

    @Test
    void anIndependentReaderParsesTheExportedFile() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block encoder = Encoders.create(EncoderKind.RESNET18_CIFAR, 3, 32, manager);
            Path file = dir.resolve("encoder.safetensors");
            Map<String, String> metadata = new LinkedHashMap<>();
            metadata.put("encoder", "resnet18-cifar");
            metadata.put("image_size", "32");
            try (var out = Files.newOutputStream(file)) {
                Safetensors.write(out, metadata, EncoderWeights.tensors(EncoderKind.RESNET18_CIFAR, encoder));
            }
            Path script = dir.resolve("read_safetensors.py");
            try (var in = getClass().getResourceAsStream("read_safetensors.py")) {
                Files.write(script, in.readAllBytes());
            }
            Process python = new ProcessBuilder("python3", script.toString(), file.toString())
                    .redirectErrorStream(true)
                    .start();
            List<String> lines = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                    .lines()
                    .toList();
            assertTrue(python.waitFor(60, TimeUnit.SECONDS), "the reader finishes");
            assertEquals(0, python.exitValue(), "python3 reads the file without error: " + lines);
            assertEquals(
                    "{\"encoder\": \"resnet18-cifar\", \"image_size\": \"32\"}",
                    lines.get(0),
                    "the metadata is a string-to-string map");
            String[] first = lines.get(1).split(" ");
            assertEquals(
                    "conv1.weight F32 [64,3,3,3]",
                    first[0] + " " + first[1] + " " + first[2],
                    "the first tensor, dtype, shape");
            assertEquals(
                    encoder.getParameters().get(0).getValue().getArray().toFloatArray()[0],
                    (float) Double.parseDouble(first[3]),
                    "the first value is what DJL holds, read as little-endian float32");
            assertTrue(
                    lines.contains("bn1.num_batches_tracked I64 [] 0"),
                    "every BN has an int64 scalar num_batches_tracked for strict load_state_dict");
            assertEquals(1 + 120, lines.size(), "metadata and 120 tensors");
        }
    }

    @Test
    void exportThenImportGivesTheSameParametersBitForBit() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            EncoderKind kind = EncoderKind.RESNET18_IMAGENET;
            Block source = Encoders.create(kind, 7, 32, manager);
            // running statistics as training leaves them, not the initial 0 and 1
            for (Pair<String, Parameter> parameter : source.getParameters()) {
                if (!parameter.getValue().requiresGradient()) {
                    parameter
                            .getValue()
                            .getArray()
                            .addi(manager.randomUniform(
                                    0f, 1f, parameter.getValue().getArray().getShape()));
                }
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            Safetensors.write(bytes, Map.of("run_id", "r1"), EncoderWeights.tensors(kind, source));
            Safetensors.Contents read = Safetensors.read(new ByteArrayInputStream(bytes.toByteArray()));
            assertEquals(Map.of("run_id", "r1"), read.metadata(), "metadata reads back");

            Block target = Encoders.create(kind, 8, 32, manager);
            EncoderWeights.load(kind, target, read.tensors());
            assertArrayEquals(
                    BlockParameters.toBytes(source),
                    BlockParameters.toBytes(target),
                    "every parameter and running statistic comes back bit for bit");
            for (Pair<String, Parameter> parameter : target.getParameters()) {
                if (parameter.getValue().requiresGradient()) {
                    assertTrue(parameter.getValue().getArray().hasGradient(), parameter.getKey() + " stays trainable");
                }
            }
        }
    }

    @Test
    void importNamesTheKeyThatDoesNotFit() {
        try (NDManager manager = NDManager.newBaseManager()) {
            EncoderKind kind = EncoderKind.RESNET18_CIFAR;
            Block encoder = zeroInitialised(kind, manager);
            Map<String, Safetensors.Tensor> imagenet = EncoderWeights.tensors(
                    EncoderKind.RESNET18_IMAGENET, zeroInitialised(EncoderKind.RESNET18_IMAGENET, manager));
            IllegalArgumentException shape =
                    assertThrows(IllegalArgumentException.class, () -> EncoderWeights.load(kind, encoder, imagenet));
            assertEquals(
                    "weights key conv1.weight is F32 [64, 3, 7, 7]; encoder resnet18-cifar needs F32 [64, 3, 3, 3]",
                    shape.getMessage(),
                    "a shape mismatch names the key and both shapes");

            Map<String, Safetensors.Tensor> withFc = new LinkedHashMap<>(EncoderWeights.tensors(kind, encoder));
            withFc.put("fc.weight", Safetensors.Tensor.f32(new long[] {1}, new float[] {0f}));
            IllegalArgumentException fc =
                    assertThrows(IllegalArgumentException.class, () -> EncoderWeights.load(kind, encoder, withFc));
            assertTrue(fc.getMessage().startsWith("weights key fc.weight is not a parameter"), fc.getMessage());

            Map<String, Safetensors.Tensor> missing = new LinkedHashMap<>(EncoderWeights.tensors(kind, encoder));
            missing.remove("layer4.1.bn2.bias");
            IllegalArgumentException gap =
                    assertThrows(IllegalArgumentException.class, () -> EncoderWeights.load(kind, encoder, missing));
            assertEquals(
                    "weights key layer4.1.bn2.bias of encoder resnet18-cifar is missing",
                    gap.getMessage(),
                    "a missing key is named");
        }
    }

    @Test
    void aTruncatedFileIsRefusedWithTheReason() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Safetensors.write(bytes, Map.of(), Map.of("w", Safetensors.Tensor.f32(new long[] {2}, new float[] {1f, 2f})));
        byte[] cut = Arrays.copyOf(bytes.toByteArray(), bytes.size() - 1);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Safetensors.read(new ByteArrayInputStream(cut)));
        assertEquals("tensor w: the file ends inside its data", e.getMessage(), "the tensor is named");
    }
}
