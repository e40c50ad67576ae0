package io.twinview.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.twinview.core.checkpoint.CheckpointKeys;
import io.twinview.core.checkpoint.CheckpointStore;
import io.twinview.core.checkpoint.ProtoJson;
import io.twinview.core.checkpoint.TestCheckpointStore;
import io.twinview.core.storage.ObjectStore;
import io.twinview.core.storage.StorageSettings;
import io.twinview.model.BlockParameters;
import io.twinview.model.EncoderKind;
import io.twinview.model.EncoderWeights;
import io.twinview.model.Encoders;
import io.twinview.model.Safetensors;
import io.twinview.model.onnx.OnnxExport;
import io.twinview.proto.v1.CheckpointManifest;
import io.twinview.proto.v1.EvalReport;
import io.twinview.proto.v1.ProbeScores;
import io.twinview.proto.v1.RunSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Export from checkpoints in a real S3 endpoint (S3Proxy), small encoders so it stays quick. */
class EncoderExportTest {

    private static final RunSpec SPEC = RunSpec.newBuilder()
            .setEncoder("small")
            .setSeed(5)
            .setImageSize(32)
            .setMethod("simclr")
            .build();

    private static TestCheckpointStore bucket;
    private static ObjectStore objects;
    private static CheckpointStore store;

    @BeforeAll
    static void connect() {
        bucket = TestCheckpointStore.on("export-test");
        objects = bucket.objects();
        store = bucket.store();
    }

    @AfterAll
    static void close() {
        bucket.close();
    }

    /** A checkpoint whose encoder weights are drawn from {@code weightSeed}, with a report when score >= 0. */
    private static byte[] checkpoint(String runId, long step, long weightSeed, double knnTop1) {
        byte[] encoder;
        try (NDManager manager = NDManager.newBaseManager()) {
            encoder = BlockParameters.toBytes(Encoders.create(EncoderKind.SMALL, weightSeed, 32, manager));
        }
        store.write(
                CheckpointManifest.newBuilder()
                        .setRunId(runId)
                        .setStep(step)
                        .setSpec(SPEC)
                        .build(),
                Map.of("encoder", encoder));
        if (knnTop1 >= 0) {
            EvalReport report = EvalReport.newBuilder()
                    .setRunId(runId)
                    .setStep(step)
                    .setSsl(ProbeScores.newBuilder().setKnnTop1(knnTop1))
                    .build();
            objects.put(
                    CheckpointKeys.reportKey(runId, step, "r" + step), ProtoJson.toJson(report), "application/json");
        }
        return encoder;
    }

    private static Safetensors.Contents export(String runId, String step) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        EncoderExport.safetensors(store, runId, EncoderExport.StepChoice.parse(step), out);
        return Safetensors.read(new ByteArrayInputStream(out.toByteArray()));
    }

    /** The tensors the exporter should have written for these checkpoint bytes. */
    private static Map<String, Safetensors.Tensor> expected(byte[] encoderBytes) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block encoder = Encoders.create(EncoderKind.SMALL, 0, 32, manager);
            BlockParameters.load(encoder, encoderBytes, manager);
            return EncoderWeights.tensors(EncoderKind.SMALL, encoder);
        }
    }

    private static void assertSameTensors(
            Map<String, Safetensors.Tensor> expected, Safetensors.Contents actual, String what) {
        assertEquals(
                expected.keySet().stream().toList(),
                actual.tensors().keySet().stream().toList(),
                what + ": keys");
        expected.forEach((key, tensor) ->
                assertArrayEquals(tensor.data(), actual.tensors().get(key).data(), what + ": " + key + " bit for bit"));
    }

    @Test
    void exportsTheNewestAStepOrTheBestEvaluatedCheckpoint() throws IOException {
        String run = "export-choice";
        byte[] ten = checkpoint(run, 10, 101, 0.5);
        byte[] twenty = checkpoint(run, 20, 102, 0.3);
        byte[] thirty = checkpoint(run, 30, 103, -1);

        Safetensors.Contents newest = export(run, null);
        assertSameTensors(expected(thirty), newest, "no --step: the newest checkpoint");
        assertEquals("30", newest.metadata().get("step"), "the step is recorded");
        assertEquals("small", newest.metadata().get("encoder"), "the encoder key is recorded");
        assertEquals("32", newest.metadata().get("image_size"), "the image size is recorded");
        assertEquals(run, newest.metadata().get("run_id"), "the run is recorded");
        assertEquals(
                "[0.4914, 0.4822, 0.4465]",
                newest.metadata().get("normalize_mean"),
                "the mean inputs were normalised with");
        assertEquals("[0.247, 0.2435, 0.2616]", newest.metadata().get("normalize_std"), "and the std");

        assertSameTensors(expected(twenty), export(run, "20"), "--step 20");
        Safetensors.Contents best = export(run, "best");
        assertSameTensors(expected(ten), best, "--step best: the highest k-NN top-1 (0.5 at step 10)");
        assertEquals("10", best.metadata().get("step"), "the best step is recorded");

        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> export(run, "15"));
        assertEquals(
                "run 'export-choice' has no complete checkpoint at step 15; complete steps: [30, 20, 10]",
                missing.getMessage(),
                "a step without a checkpoint is named with the steps there are");
    }

    @Test
    void bestNeedsAReportAndStepMustBeANumberOrBest() {
        checkpoint("export-unevaluated", 4, 1, -1);
        IllegalArgumentException unevaluated =
                assertThrows(IllegalArgumentException.class, () -> export("export-unevaluated", "best"));
        assertEquals(
                "--step best: run 'export-unevaluated' has no checkpoint with an evaluation report"
                        + " (./twinview eval --run-id export-unevaluated makes one); give --step N or leave --step out"
                        + " for the newest",
                unevaluated.getMessage(),
                "best without reports says how to get one");
        IllegalArgumentException bad =
                assertThrows(IllegalArgumentException.class, () -> EncoderExport.StepChoice.parse("last"));
        assertEquals(
                "--step 'last' is neither a checkpoint step (0 or more) nor 'best'",
                bad.getMessage(),
                "the value is named");
        assertThrows(IllegalArgumentException.class, () -> export("no-such-run", null), "a run without checkpoints");
    }

    @Test
    void anOnnxExportRunsInOnnxRuntimeAsTheCheckpointsEncoderDoesInDjl() throws Exception {
        String run = "export-onnx";
        byte[] weights = checkpoint(run, 8, 104, -1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        EncoderExport.Exported exported = EncoderExport.onnx(store, run, EncoderExport.StepChoice.parse(null), out);
        assertEquals(8, exported.step(), "the newest checkpoint");

        int n = 4;
        float[] images = new float[n * 3 * 32 * 32];
        java.util.Random random = new java.util.Random(3);
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) random.nextGaussian(); // already normalised, as the model's input is
        }
        float[][] djl;
        try (NDManager manager = NDManager.newBaseManager()) {
            Block encoder = Encoders.create(EncoderKind.SMALL, 0, 32, manager);
            BlockParameters.load(encoder, weights, manager);
            NDArray features = encoder.forward(
                            new ai.djl.training.ParameterStore(manager, false),
                            new NDList(manager.create(images, new Shape(n, 3, 32, 32))),
                            false)
                    .singletonOrThrow();
            djl = new float[n][];
            for (int i = 0; i < n; i++) {
                djl[i] = features.get(i).toFloatArray();
            }
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(out.toByteArray(), new OrtSession.SessionOptions());
                OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(images), new long[] {n, 3, 32, 32});
                OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, input))) {
            Map<String, String> metadata = session.getMetadata().getCustomMetadata();
            assertEquals(run, metadata.get("run_id"), "the run is in the model's metadata");
            assertEquals("8", metadata.get("step"), "and the step");
            assertEquals("small", metadata.get("encoder"), "and the encoder key");
            float[][] onnx = (float[][]) result.get(0).getValue();
            double maxAbs = 0;
            for (int i = 0; i < n; i++) {
                assertEquals(djl[i].length, onnx[i].length, "feature width");
                for (int j = 0; j < djl[i].length; j++) {
                    maxAbs = Math.max(maxAbs, Math.abs(djl[i][j] - onnx[i][j]));
                }
            }
            assertTrue(maxAbs <= 1e-4, "ONNX Runtime's features equal DJL's to 1e-4, max abs difference " + maxAbs);
        }
    }

    @Test
    void theCommandTakesSafetensorsOrOnnxAndFindsUpsKeys(@TempDir Path home) throws IOException {
        ExportCommand command = new ExportCommand();
        new CommandLine(command).parseArgs("--run-id", "r", "--out", "x.safetensors", "--format", "SafeTensors");
        assertEquals(ExportCommand.Format.SAFETENSORS, command.format, "the format is case-insensitive");
        ExportCommand onnx = new ExportCommand();
        new CommandLine(onnx).parseArgs("--run-id", "r", "--out", "x.onnx", "--format", "onnx");
        assertEquals(ExportCommand.Format.ONNX, onnx.format, "onnx is a format");
        CommandLine.ParameterException torchscript = assertThrows(
                CommandLine.ParameterException.class,
                () -> new CommandLine(new ExportCommand())
                        .parseArgs("--run-id", "r", "--out", "x", "--format", "torchscript"));
        assertEquals(
                "Invalid value for option '--format': 'torchscript' is not a format; allowed: safetensors, onnx",
                torchscript.getMessage(),
                "other formats are refused, naming the allowed ones");

        assertThrows(
                IllegalArgumentException.class,
                () -> command.storage(home, Map.of()),
                "without keys in the environment or from ./twinview up, export says where keys come from");
        Path keys = home.resolve(".twinview/up/s3/s3proxy.properties");
        Files.createDirectories(keys.getParent());
        Files.writeString(keys, "s3proxy.identity=upAccessKey\ns3proxy.credential=upSecretKey\n");
        StorageSettings fromUp = command.storage(home, Map.of());
        assertEquals("upAccessKey", fromUp.accessKey(), "./twinview up's access key");
        assertEquals("http://127.0.0.1:19000", fromUp.endpoint(), "./twinview up's endpoint");
        assertEquals("twinview", fromUp.bucket(), "the pipeline's bucket");
        StorageSettings fromEnv = command.storage(
                home,
                Map.of(
                        "TWINVIEW_STORAGE_ACCESS_KEY",
                        "envAccess",
                        "TWINVIEW_STORAGE_SECRET_KEY",
                        "envSecret",
                        "TWINVIEW_STORAGE_ENDPOINT",
                        "http://storage:9000"));
        assertEquals("envAccess", fromEnv.accessKey(), "the environment comes first");
        assertEquals("http://storage:9000", fromEnv.endpoint(), "the endpoint from the environment");
    }
}
