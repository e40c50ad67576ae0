package io.twinview.trainer.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.core.data.DatasetPolicy;
import io.twinview.core.storage.ObjectStore;
import io.twinview.core.storage.StorageSettings;
import io.twinview.proto.v1.AugmentRecipe;
import io.twinview.proto.v1.ByolSettings;
import io.twinview.proto.v1.OptimizerSpec;
import io.twinview.proto.v1.PredictorSpec;
import io.twinview.proto.v1.RetentionSpec;
import io.twinview.proto.v1.RunSpec;
import io.twinview.proto.v1.ViewPolicy;
import io.twinview.stack.LocalStack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunSpecsTest {

    private static RunSpec.Builder synthetic() {
        return RunSpec.newBuilder().setDatasetUri("synthetic:?n=512");
    }

    private static InvalidRunSpecException invalid(RunSpec.Builder spec) {
        return assertThrows(InvalidRunSpecException.class, () -> RunSpecs.resolve(spec.build()));
    }

    @Test
    void unsetFieldsTakeTheMethodDefaults() {
        ResolvedRun run = RunSpecs.resolve(synthetic().build());
        RunSpec spec = run.spec();
        assertEquals("simclr", spec.getMethod(), "the default method");
        assertEquals("small", spec.getEncoder(), "the default encoder is the CPU-sized one");
        assertEquals(256, spec.getBatchSize(), "the default batch");
        assertEquals(10, spec.getEpochs(), "the default epochs");
        assertEquals(32, spec.getImageSize(), "image size defaults to the dataset's");
        assertEquals("adam", spec.getOptimizer().getName(), "simclr's CPU-budget optimizer");
        assertTrue(spec.getOptimizer().hasLearningRate(), "the resolved spec spells out the learning rate");
        assertEquals(
                256,
                spec.getSimclr().getProjector().getHiddenDim(),
                "projector hidden width = the small encoder's features");
        assertEquals(0.1, spec.getSimclr().getTemperature(), "simclr's own settings are filled in");
        assertEquals("simclr", spec.getAugment().getName(), "simclr's recipe");
        assertTrue(spec.getAugment().getView1().hasCropScaleMin(), "the recipe is resolved into concrete values");
        assertTrue(
                spec.getEvalTestUri().contains("split=test"),
                "synthetic data is probed on its test split, got " + spec.getEvalTestUri());
        assertEquals(10L * 512 / 256, run.totalSteps(), "steps = floor(epochs x images / batch)");
    }

    @Test
    void automaticEncoderKeysResolveToTheExplicitKeyOfTheirImageSize() {
        RunSpec cifar = RunSpecs.resolve(
                        synthetic().setEncoder("resnet18").setBatchSize(64).build())
                .spec();
        assertEquals("resnet18-cifar", cifar.getEncoder(), "32 px: the CIFAR stem, recorded explicitly");
        RunSpec imagenet = RunSpecs.resolve(synthetic()
                        .setEncoder("resnet50")
                        .setImageSize(96)
                        .setBatchSize(16)
                        .build())
                .spec();
        assertEquals("resnet50-imagenet", imagenet.getEncoder(), "96 px: the ImageNet stem, recorded explicitly");
        assertEquals(
                2048,
                imagenet.getSimclr().getProjector().getHiddenDim(),
                "projector hidden width = ResNet-50's 2048 features");
        assertEquals(
                imagenet,
                RunSpecs.resolve(imagenet).spec(),
                "the recorded explicit key resolves to itself: a run reproduces from its manifest");
    }

    @Test
    void resolvingAResolvedSpecChangesNothing() {
        RunSpec once = RunSpecs.resolve(synthetic().setBatchSize(64).build()).spec();
        assertEquals(once, RunSpecs.resolve(once).spec(), "a stored spec resolves to itself (resume relies on it)");
    }

    @Test
    void retentionTakesTheTrainersDefaultsAndRefusesNegativeCountsNamingTheField() {
        RetentionPolicy trainerDefaults = new RetentionPolicy(7, 2);
        RunSpec unset = RunSpecs.resolve(
                        synthetic().build(), null, DatasetPolicy.OPEN, RunLimits.DEFAULTS, trainerDefaults)
                .spec();
        assertEquals(7, unset.getRetention().getKeepLast(), "unset keep_last = twinview.trainer.retention.keep-last");
        assertEquals(2, unset.getRetention().getKeepBest(), "unset keep_best = twinview.trainer.retention.keep-best");
        RunSpec keepAll = RunSpecs.resolve(
                        synthetic()
                                .setRetention(RetentionSpec.newBuilder().setKeepLast(0))
                                .build(),
                        null,
                        DatasetPolicy.OPEN,
                        RunLimits.DEFAULTS,
                        trainerDefaults)
                .spec();
        assertEquals(0, keepAll.getRetention().getKeepLast(), "a set 0 stays 0: keep every checkpoint");
        assertEquals(2, keepAll.getRetention().getKeepBest(), "the unset field still takes the default");
        assertEquals(
                RetentionPolicy.DEFAULTS.keepLast(),
                RunSpecs.resolve(synthetic().build()).spec().getRetention().getKeepLast(),
                "without a trainer, the documented defaults");

        InvalidRunSpecException last =
                invalid(synthetic().setRetention(RetentionSpec.newBuilder().setKeepLast(-1)));
        assertEquals("retention.keep_last", last.field());
        assertTrue(
                last.getMessage().contains("-1") && last.getMessage().contains("0 (keep every checkpoint) or more"),
                "message names the value and what is allowed: " + last.getMessage());
        InvalidRunSpecException best =
                invalid(synthetic().setRetention(RetentionSpec.newBuilder().setKeepBest(-3)));
        assertEquals("retention.keep_best", best.field());
        assertTrue(
                best.getMessage().contains("-3") && best.getMessage().contains("0 or more"),
                "message names the value and what is allowed: " + best.getMessage());
    }

    @Test
    void unknownMethodNamesTheFieldTheValueAndTheChoices() {
        InvalidRunSpecException e = invalid(synthetic().setMethod("swav"));
        assertEquals("method", e.field());
        assertTrue(
                e.getMessage().contains("'swav'") && e.getMessage().contains("simclr"),
                "message names the value and what is allowed: " + e.getMessage());
    }

    @Test
    void nonPositiveBatchSizeIsRejectedNotDefaulted() {
        for (int bad : new int[] {0, -4}) {
            InvalidRunSpecException e = invalid(synthetic().setBatchSize(bad));
            assertEquals("batch_size", e.field(), "batch " + bad + " is blamed on batch_size");
            assertTrue(
                    e.getMessage().contains(String.valueOf(bad))
                            && e.getMessage().contains("positive"),
                    "message names the value and the rule: " + e.getMessage());
        }
    }

    @Test
    void threadsOutsideOneTo256AreRejectedNamingTheFieldAndAUnsetOneStaysUnsetForTheTrainerToFill() {
        for (int bad : new int[] {0, -1, 257}) {
            InvalidRunSpecException e = invalid(synthetic().setThreads(bad));
            assertEquals("threads", e.field(), "threads " + bad + " is blamed on threads");
            assertTrue(
                    e.getMessage().contains(String.valueOf(bad))
                            && e.getMessage().contains("1..256"),
                    "message names the value and the range: " + e.getMessage());
        }
        assertEquals(
                4, RunSpecs.resolve(synthetic().setThreads(4).build()).spec().getThreads(), "a valid count stays");
        assertTrue(
                !RunSpecs.resolve(synthetic().build()).spec().hasThreads(),
                "unset: the trainer's twinview.trainer.threads fills it (RunManager)");
    }

    @Test
    void aBatchLargerThanTheWholeRunIsRejected() {
        InvalidRunSpecException e = invalid(synthetic().setEpochs(1).setBatchSize(1024));
        assertEquals("batch_size", e.field(), e.getMessage());
    }

    @Test
    void unreadableDatasetNamesTheFieldAndTheProblem(@TempDir Path empty) {
        InvalidRunSpecException e = invalid(RunSpec.newBuilder().setDatasetUri("cifar10:" + empty.resolve("nope")));
        assertEquals("dataset_uri", e.field());
        assertTrue(e.getMessage().contains("nope"), "the message names the missing directory: " + e.getMessage());

        assertEquals("dataset_uri", invalid(RunSpec.newBuilder()).field(), "a spec without dataset is rejected");
        assertEquals(
                "dataset_uri",
                invalid(RunSpec.newBuilder().setDatasetUri("imagenet:/x")).field(),
                "unknown scheme");
    }

    @Test
    void unreadableEvalSetIsRejected() {
        InvalidRunSpecException e = invalid(synthetic().setEvalTestUri("cifar10:/does/not/exist"));
        assertEquals("eval_test_uri", e.field(), e.getMessage());
    }

    @Test
    void cifarWithoutTestFileHoldsOutItsLastBatchAndSaysSo(@TempDir Path dir) throws Exception {
        for (int i = 1; i <= 3; i++) {
            Files.write(dir.resolve("data_batch_" + i + ".bin"), new byte[3073 * 4]);
        }
        ResolvedRun run = RunSpecs.resolve(RunSpec.newBuilder()
                .setDatasetUri("cifar10:" + dir)
                .setBatchSize(4)
                .build());
        assertTrue(
                run.spec().getDatasetUri().endsWith("batches=1-2"),
                "pre-training excludes the held-out batch: " + run.spec().getDatasetUri());
        assertTrue(
                run.spec().getEvalTestUri().endsWith("batches=3"),
                "probes are scored on the held-out batch: " + run.spec().getEvalTestUri());
        assertEquals(8, run.datasetSize(), "two batches of four images are pre-trained on");
        assertTrue(run.note().contains("holding out"), "the user is told: " + run.note());
    }

    /** Two CIFAR-10 batches of four blank records on the shared S3 endpoint; the cache is target/dataset-cache (pom). */
    @Test
    void aDatasetOnObjectStorageIsReadWithTheTrainersSettingsAndKeepsItsS3Uri() {
        LocalStack stack = LocalStack.shared();
        StorageSettings storage = StorageSettings.of(
                stack.s3Endpoint(),
                stack.s3AccessKey(),
                stack.s3SecretKey(),
                "runspecs-" + UUID.randomUUID().toString().substring(0, 8));
        try (ObjectStore store = new ObjectStore(storage)) {
            store.ensureBucket();
            for (int i = 1; i <= 2; i++) {
                store.put("cifar/data_batch_" + i + ".bin", new byte[3073 * 4], null);
            }
        }
        String uri = "cifar10:s3://" + storage.bucket() + "/cifar";

        ResolvedRun run = RunSpecs.resolve(
                RunSpec.newBuilder().setDatasetUri(uri).setBatchSize(4).build(), storage);

        assertEquals(
                uri + "?batches=1",
                run.spec().getDatasetUri(),
                "pre-trains on the first batch, named in the s3:// form");
        assertEquals(uri + "?batches=1", run.spec().getEvalTrainUri(), "probes are fitted on it");
        assertEquals(
                uri + "?batches=2", run.spec().getEvalTestUri(), "and scored on the held-out batch, in the s3:// form");
        assertEquals(4, run.datasetSize(), "the mirrored batch was opened");
        assertEquals(
                run.spec(),
                RunSpecs.resolve(run.spec(), storage).spec(),
                "a stored s3:// spec resolves to itself (resume)");
        InvalidRunSpecException withoutStorage = invalid(RunSpec.newBuilder().setDatasetUri(uri));
        assertEquals("dataset_uri", withoutStorage.field(), withoutStorage.getMessage());
        assertTrue(
                withoutStorage.getMessage().contains("storage settings"),
                "without storage the message names what is missing: " + withoutStorage.getMessage());
    }

    @Test
    void optimizerAndHeadFieldsAreValidated() {
        assertEquals(
                "optimizer.name",
                invalid(synthetic().setOptimizer(OptimizerSpec.newBuilder().setName("lbfgs")))
                        .field());
        assertEquals(
                "optimizer.learning_rate",
                invalid(synthetic().setOptimizer(OptimizerSpec.newBuilder().setLearningRate(-1)))
                        .field());
        assertEquals(
                "optimizer.learning_rate",
                invalid(synthetic().setOptimizer(OptimizerSpec.newBuilder().setName("sgd")))
                        .field(),
                "switching optimizer without a learning rate is refused: the default rate belongs to another optimizer");
        assertEquals(
                "optimizer.momentum",
                invalid(synthetic().setOptimizer(OptimizerSpec.newBuilder().setMomentum(1.0)))
                        .field());
        assertEquals(
                "optimizer.warmup_epochs",
                invalid(synthetic()
                                .setEpochs(2)
                                .setOptimizer(OptimizerSpec.newBuilder().setWarmupEpochs(3)))
                        .field());
        assertEquals(
                "optimizer.schedule",
                invalid(synthetic().setOptimizer(OptimizerSpec.newBuilder().setSchedule("step")))
                        .field());
        assertEquals("encoder", invalid(synthetic().setEncoder("vit")).field());
        assertEquals("image_size", invalid(synthetic().setImageSize(4)).field());
        assertEquals("epochs", invalid(synthetic().setEpochs(0)).field());
        assertEquals(
                "checkpoint_every_steps",
                invalid(synthetic().setCheckpointEverySteps(0)).field());
        assertEquals(
                "byol.predictor.lr_scale",
                invalid(synthetic()
                                .setMethod("byol")
                                .setByol(ByolSettings.newBuilder()
                                        .setPredictor(PredictorSpec.newBuilder().setLrScale(0))))
                        .field());
        assertEquals(
                3,
                RunSpecs.resolve(synthetic()
                                .setMethod("byol")
                                .setByol(ByolSettings.newBuilder()
                                        .setPredictor(PredictorSpec.newBuilder().setLrScale(3)))
                                .build())
                        .spec()
                        .getByol()
                        .getPredictor()
                        .getLrScale(),
                "a valid predictor scale is kept");
    }

    @Test
    void augmentOverridesAreValidatedWithTheirFieldName() {
        InvalidRunSpecException e = invalid(synthetic()
                .setAugment(AugmentRecipe.newBuilder()
                        .setView1(ViewPolicy.newBuilder().setCropScaleMin(1.5))));
        assertEquals("augment", e.field());
        assertTrue(e.getMessage().contains("crop_scale_min"), "the message names the recipe field: " + e.getMessage());
        RunSpec ok = RunSpecs.resolve(synthetic()
                        .setAugment(AugmentRecipe.newBuilder()
                                .setView2(ViewPolicy.newBuilder().setGrayscaleProbability(0.5)))
                        .build())
                .spec();
        assertEquals(0.5, ok.getAugment().getView2().getGrayscaleProbability(), "an override is kept");
        assertEquals(
                0.2, ok.getAugment().getView1().getGrayscaleProbability(), "the other view keeps the recipe's value");
    }
}
