package io.twinview.trainer.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.twinview.core.checkpoint.Checkpoint;
import io.twinview.core.data.DatasetLimits;
import io.twinview.core.data.DatasetPolicy;
import io.twinview.core.data.DatasetRoots;
import io.twinview.core.data.TestImages;
import io.twinview.core.storage.ObjectStore;
import io.twinview.core.storage.StorageSettings;
import io.twinview.model.BlockParameters;
import io.twinview.model.EncoderKind;
import io.twinview.model.EncoderWeights;
import io.twinview.model.Encoders;
import io.twinview.model.InitialWeights;
import io.twinview.model.Safetensors;
import io.twinview.proto.v1.RunSpec;
import io.twinview.stack.LocalStack;
import io.twinview.trainer.method.MethodFixtures;
import io.twinview.trainer.train.Learner;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RunSpec {@code initial_weights}: a run's encoder starts from an exported safetensors file (here on
 * the real S3Proxy of the shared stack, or a local file under the dataset roots), checked at
 * submission; acceptance 4 of issue 14 on the trainer's side: BYOL on an STL-10-layout sample from
 * imported weights, end to end through the run loop.
 */
class InitialWeightsRunTest {

    private static final int SIDE = 96;
    private static final long EXPORT_SEED = 42;
    private static final long RUN_SEED = 3;

    @TempDir
    static Path dir;

    private static Path data;
    private static StorageSettings storage;
    private static DatasetPolicy policy;
    private static String bucket;
    private static String smallObject;
    private static Path smallFile;
    private static Path resnetFile;
    private static byte[] smallBytes;

    @BeforeAll
    static void exportWeights() throws IOException {
        data = Files.createDirectories(dir.resolve("data"));
        TestImages.stl10(data.resolve("stl10_binary"), 32, 16, 7);
        LocalStack stack = LocalStack.shared();
        bucket = "weights-" + UUID.randomUUID().toString().substring(0, 8);
        storage = StorageSettings.of(stack.s3Endpoint(), stack.s3AccessKey(), stack.s3SecretKey(), bucket);
        policy = new DatasetPolicy(
                DatasetRoots.of(List.of(data.toString(), "s3://" + bucket), "twinview"), DatasetLimits.DEFAULTS);
        smallBytes = exported(EncoderKind.SMALL);
        smallFile =
                Files.write(Files.createDirectories(data.resolve("weights")).resolve("small.safetensors"), smallBytes);
        resnetFile = Files.write(data.resolve("weights/resnet18.safetensors"), exported(EncoderKind.RESNET18_CIFAR));
        smallObject = "s3://" + bucket + "/pretrained/small.safetensors";
        try (ObjectStore store = new ObjectStore(storage)) {
            store.ensureBucket();
            store.put("pretrained/small.safetensors", smallBytes, null);
        }
    }

    /** What {@code twinview export --format safetensors} writes for an encoder of {@code kind} seeded with EXPORT_SEED. */
    private static byte[] exported(EncoderKind kind) throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block encoder = Encoders.create(kind, EXPORT_SEED, SIDE, manager);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Safetensors.write(out, Map.of("encoder", kind.key()), EncoderWeights.tensors(kind, encoder));
            return out.toByteArray();
        }
    }

    private static RunSpec.Builder byolSpec(String initialWeights) {
        RunSpec.Builder spec = RunSpec.newBuilder()
                .setDatasetUri("stl10:" + data.resolve("stl10_binary"))
                .setEncoder("small")
                .setSeed(RUN_SEED)
                .setEpochs(1)
                .setBatchSize(8)
                .setSamplesPerTask(8)
                .setCheckpointEverySteps(2)
                .setInitialWeights(initialWeights);
        return MethodFixtures.smallHeads(spec, "byol", 32, 32, 16, 64);
    }

    private static ResolvedRun resolve(RunSpec.Builder spec) {
        return RunSpecs.resolve(spec.build(), storage, policy, RunLimits.DEFAULTS);
    }

    private static InvalidRunSpecException refused(RunSpec.Builder spec) {
        return assertThrows(
                InvalidRunSpecException.class,
                () -> resolve(spec),
                "a spec whose initial_weights cannot be used is refused at submission");
    }

    @Test
    void refusesAMissingFile() {
        String missing = data.resolve("weights/none.safetensors").toString();
        InvalidRunSpecException e = refused(byolSpec(missing));
        assertEquals("initial_weights", e.field(), e.getMessage());
        assertTrue(e.getMessage().contains(missing) && e.getMessage().contains("no file"), e.getMessage());
    }

    @Test
    void refusesAMissingObject() {
        String missing = "s3://" + bucket + "/pretrained/none.safetensors";
        InvalidRunSpecException e = refused(byolSpec(missing));
        assertEquals("initial_weights", e.field(), e.getMessage());
        assertTrue(e.getMessage().contains(missing) && e.getMessage().contains("no object"), e.getMessage());
    }

    @Test
    void refusesWeightsOfAnotherEncoderNamingTheKey() {
        InvalidRunSpecException e = refused(byolSpec(resnetFile.toString()));
        assertEquals("initial_weights", e.field(), e.getMessage());
        assertTrue(e.getMessage().contains(resnetFile.toString()), "names the value: " + e.getMessage());
        assertTrue(
                e.getMessage().contains("conv1.weight") && e.getMessage().contains("small"),
                "names the first key a ResNet-18 file has and the small encoder lacks: " + e.getMessage());
    }

    @Test
    void refusesAFileOutsideTheDatasetRoots() throws IOException {
        Path outside =
                Files.write(Files.createDirectories(dir.resolve("outside")).resolve("small.safetensors"), smallBytes);
        InvalidRunSpecException e = refused(byolSpec(outside.toString()));
        assertEquals("initial_weights", e.field(), e.getMessage());
        assertTrue(
                e.getMessage().contains(outside.toString()) && e.getMessage().contains("outside the allowed"),
                e.getMessage());
    }

    @Test
    void refusesAFileThatIsNotSafetensors() throws IOException {
        Path garbage = Files.write(data.resolve("weights/garbage.safetensors"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        InvalidRunSpecException e = refused(byolSpec(garbage.toString()));
        assertEquals("initial_weights", e.field(), e.getMessage());
        assertTrue(e.getMessage().contains("not a safetensors file"), e.getMessage());
    }

    @Test
    void aLocalFileUnderTheRootsIsAccepted() {
        ResolvedRun run = resolve(byolSpec(smallFile.toString()));
        assertEquals(smallFile.toString(), run.spec().getInitialWeights(), "the resolved spec keeps the value");
    }

    @Test
    void byolOnStl10FromImportedWeightsRunsEndToEnd() {
        ResolvedRun run = resolve(byolSpec(smallObject));
        assertEquals(smallObject, run.spec().getInitialWeights(), "the resolved spec keeps the value");
        assertEquals(SIDE, run.spec().getImageSize(), "STL-10's 96 px");
        assertEquals("small", run.spec().getEncoder());
        InitialWeights weights = RunSpecs.initialWeights(smallObject, storage, policy);
        byte[] seeded;
        byte[] imported;
        try (NDManager manager = NDManager.newBaseManager()) {
            seeded = BlockParameters.toBytes(Encoders.create(EncoderKind.SMALL, RUN_SEED, SIDE, manager));
            imported = BlockParameters.toBytes(Encoders.create(EncoderKind.SMALL, EXPORT_SEED, SIDE, manager));
        }
        try (Learner learner = new Learner(RunSpecs.learnerConfig(run.spec(), Device.cpu(), weights))) {
            byte[] start = learner.state().encoder();
            assertArrayEquals(imported, start, "the online encoder starts bit for bit as the exported one");
            assertFalse(Arrays.equals(seeded, start), "and not as the run's seed would have made it");
            assertArrayEquals(
                    imported,
                    BlockParameters.toBytes(learner.method().targetBlocks().get("target-encoder")),
                    "BYOL's target network starts as a copy of the imported encoder");

            InMemoryViews views = new InMemoryViews(2);
            MemoryCheckpoints checkpoints = new MemoryCheckpoints();
            AtomicLong clock = new AtomicLong();
            RunExecution execution = new RunExecution(
                    "import",
                    run,
                    "views",
                    learner,
                    new TaskPlan("import", run, "views", 4),
                    views.reader(),
                    new FakeWorkers(views),
                    checkpoints,
                    progress -> {},
                    new RunExecution.Settings(2, Duration.ofMinutes(5), Duration.ZERO),
                    () -> clock.addAndGet(1_000_000));
            RunExecution.Outcome outcome = execution.run();
            assertEquals(RunExecution.End.COMPLETE, outcome.end(), outcome.message());
            assertEquals(4, outcome.finalStep(), "1 epoch x 32 images / batch 8");
            Checkpoint last = checkpoints.byStep.lastEntry().getValue();
            assertEquals(4, last.manifest().getStep(), "the last step is checkpointed");
            assertEquals(
                    smallObject,
                    last.manifest().getSpec().getInitialWeights(),
                    "the checkpoint's spec names the weights: evaluation probes them as the baseline");
            assertTrue(Double.isFinite(last.manifest().getMetricsOrThrow("loss")), "a finite loss");
            assertFalse(Arrays.equals(imported, last.object("encoder")), "BYOL trained the imported encoder");
        }
    }
}
