package io.twinview.eval.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.smallrye.config.SmallRyeConfig;
import io.twinview.core.config.StorageConfig;
import io.twinview.core.data.DatasetPolicy;
import io.twinview.core.data.Datasets;
import io.twinview.core.data.TestImages;
import io.twinview.core.storage.ObjectStore;
import io.twinview.core.storage.StorageSettings;
import io.twinview.eval.TestCheckpoints;
import io.twinview.eval.TestEvaluations;
import io.twinview.eval.probe.Evaluator;
import io.twinview.model.BlockParameters;
import io.twinview.model.EncoderKind;
import io.twinview.model.EncoderWeights;
import io.twinview.model.Encoders;
import io.twinview.model.Safetensors;
import io.twinview.proto.v1.EvalReport;
import io.twinview.proto.v1.EvaluateRequest;
import io.twinview.proto.v1.RunSpec;
import io.twinview.stack.LocalStack;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run that started from imported weights (RunSpec {@code initial_weights}) is compared against those
 * weights, not against its seed: the report's baseline is the same probes on the encoder loaded from the
 * file, labelled {@code initial weights URI}; a run of the same seed without them keeps the seeded
 * baseline (the baseline cache tells them apart). Against the real S3Proxy of the shared stack.
 */
class InitialWeightsBaselineTest {

    private static final int SIDE = 96;
    private static final long EXPORT_SEED = 42;
    private static final long RUN_SEED = 1;

    @TempDir
    static Path dir;

    private static EvaluationService service;
    private static StorageSettings storage;
    private static String weightsUri;
    private static String stl;
    private static byte[] importedEncoder;

    @BeforeAll
    static void start() throws IOException {
        LocalStack stack = LocalStack.shared();
        Path data = Files.createDirectories(dir.resolve("data"));
        TestImages.stl10(data.resolve("stl10_binary"), 40, 20, 11);
        stl = "stl10:" + data.resolve("stl10_binary");
        String weightsBucket = "weights-" + UUID.randomUUID().toString().substring(0, 8);
        SmallRyeConfig config =
                TestEvaluations.config(stack, Map.of("twinview.datasets.roots", data + ",s3://" + weightsBucket));
        storage = config.getConfigMapping(StorageConfig.class).settings();
        try (NDManager manager = NDManager.newBaseManager();
                ObjectStore store = new ObjectStore(new StorageSettings(
                        storage.endpoint(),
                        storage.accessKey(),
                        storage.secretKey(),
                        weightsBucket,
                        storage.region()))) {
            Block encoder = Encoders.create(EncoderKind.SMALL, EXPORT_SEED, SIDE, manager);
            importedEncoder = BlockParameters.toBytes(encoder);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Safetensors.write(out, Map.of(), EncoderWeights.tensors(EncoderKind.SMALL, encoder));
            store.ensureBucket();
            store.put("pretrained/small.safetensors", out.toByteArray(), null);
        }
        weightsUri = "s3://" + weightsBucket + "/pretrained/small.safetensors";
        service = TestEvaluations.service(config);
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.shutdown();
        }
    }

    private static RunSpec spec(String initialWeights) {
        return RunSpec.newBuilder()
                .setMethod("byol")
                .setEncoder("small")
                .setSeed(RUN_SEED)
                .setImageSize(SIDE)
                .setDatasetUri(stl + "?split=train")
                .setEvalTrainUri(stl + "?split=train")
                .setEvalTestUri(stl + "?split=test")
                .setInitialWeights(initialWeights)
                .build();
    }

    private static Evaluator.BaselineKey seededKey(Evaluator.Input input) {
        return new Evaluator.Input(
                        input.encoder(),
                        input.seed(),
                        input.imageSize(),
                        input.encoderParameters(),
                        input.train(),
                        input.test(),
                        input.k())
                .baselineKey();
    }

    /** A checkpoint holding the imported encoder unchanged (a run stopped before its first update). */
    private static EvalReport evaluate(String prefix, RunSpec spec) {
        String runId = TestCheckpoints.runId(prefix);
        TestCheckpoints.write(storage, runId, 1, spec, importedEncoder);
        return service.evaluate(
                EvaluateRequest.newBuilder().setRunId(runId).setStep(1).build());
    }

    @Test
    void theBaselineOfAnImportedRunIsItsInitialWeights() {
        EvalReport imported = evaluate("imported", spec(weightsUri));
        assertEquals("initial weights " + weightsUri, imported.getBaseline(), "the report names its baseline");
        assertEquals(
                imported.getSsl(),
                imported.getRandomInit(),
                "the checkpoint holds the imported encoder unchanged: the baseline probes that very encoder");

        EvalReport seeded = evaluate("seeded", spec(""));
        assertEquals(
                "random init (seed " + RUN_SEED + ")",
                seeded.getBaseline(),
                "without initial weights the baseline is the seeded encoder");
        Evaluator.Outcome direct = new Evaluator()
                .evaluate(new Evaluator.Input(
                        EncoderKind.SMALL,
                        RUN_SEED,
                        SIDE,
                        importedEncoder,
                        Datasets.open(stl + "?split=train", null, DatasetPolicy.OPEN),
                        Datasets.open(stl + "?split=test", null, DatasetPolicy.OPEN),
                        seeded.getKnnK()));
        assertEquals(
                ReportMapper.scores(seeded.getRandomInit()),
                direct.randomInit(),
                "the seeded run's baseline is the seed's, not the imported run's cached one: the cache key has the weights");
        Evaluator.Input withWeights = new Evaluator.Input(
                EncoderKind.SMALL,
                RUN_SEED,
                SIDE,
                importedEncoder,
                Datasets.open(stl + "?split=train", null, DatasetPolicy.OPEN),
                Datasets.open(stl + "?split=test", null, DatasetPolicy.OPEN),
                seeded.getKnnK(),
                io.twinview.model.InitialWeights.read(weightsUri, storage, DatasetPolicy.OPEN));
        assertTrue(
                !withWeights.baselineKey().equals(seededKey(withWeights))
                        && withWeights.baselineKey().initialWeights().startsWith(weightsUri + "@sha256:"),
                "the cache key of an imported run's baseline holds the weights' URI and SHA-256: "
                        + withWeights.baselineKey());
    }
}
