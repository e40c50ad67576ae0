package io.twinview.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.core.storage.ObjectStore;
import io.twinview.core.storage.StorageSettings;
import io.twinview.stack.LocalStack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** s3:// sources against a real S3 endpoint (S3Proxy over a temp folder, from {@link LocalStack#shared()}). */
class S3DatasetsTest {

    @TempDir
    Path tmp;

    private StorageSettings settings;
    private ObjectStore store;
    private Path cache;

    @BeforeEach
    void freshBucket() {
        LocalStack stack = LocalStack.shared();
        settings = StorageSettings.of(
                stack.s3Endpoint(),
                stack.s3AccessKey(),
                stack.s3SecretKey(),
                "data-test-" + UUID.randomUUID().toString().substring(0, 8));
        store = new ObjectStore(settings);
        store.ensureBucket();
        cache = tmp.resolve("cache");
    }

    @AfterEach
    void close() {
        store.close();
    }

    private void upload(Path localDir, String prefix) throws IOException {
        try (Stream<Path> files = Files.walk(localDir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                store.put(
                        prefix + "/" + localDir.relativize(file).toString().replace('\\', '/'),
                        Files.readAllBytes(file),
                        null);
            }
        }
    }

    private static void assertSameImages(ImageDataset expected, ImageDataset actual) {
        assertEquals(expected.size(), actual.size(), "same number of images");
        byte[] a = new byte[expected.imageBytes()];
        byte[] b = new byte[actual.imageBytes()];
        for (int i = 0; i < expected.size(); i += Math.max(1, expected.size() / 50)) {
            expected.readImage(i, a, 0);
            actual.readImage(i, b, 0);
            assertArrayEquals(a, b, "image " + i + " is the same from S3 as from the local files");
            assertEquals(expected.label(i), actual.label(i), "label " + i);
        }
    }

    @Test
    void cifar100FromS3OpensFromTheCacheAndReportsTheS3Uri() throws IOException {
        Path local = Files.createDirectories(tmp.resolve("c100"));
        Cifar100DatasetTest.writeFile(local.resolve("train.bin"), 0, 6);
        Cifar100DatasetTest.writeFile(local.resolve("test.bin"), 60, 3);
        upload(local, "sets/cifar100");

        String uri = "cifar100:s3://" + settings.bucket() + "/sets/cifar100?split=test";
        ImageDataset ds = Datasets.open(uri, settings, cache);

        assertEquals(
                "cifar100:s3://" + settings.bucket() + "/sets/cifar100?split=test",
                ds.uri(),
                "the URI names the source, not the cache");
        assertSameImages(Datasets.open("cifar100:" + local + "?split=test"), ds);
        EvalSplits splits =
                Datasets.defaultSplits("cifar100:s3://" + settings.bucket() + "/sets/cifar100", settings, cache);
        assertEquals(
                "cifar100:s3://" + settings.bucket() + "/sets/cifar100?split=test",
                splits.evalTestUri(),
                "default splits come back in the s3:// form");
    }

    @Test
    void imagefolderAndWebdatasetShardsFromS3() throws IOException {
        Path folder = tmp.resolve("folder");
        TestImages.write(folder.resolve("cat/1.png"), TestImages.png(TestImages.gradient(30, 20)));
        TestImages.write(folder.resolve("dog/2.jpg"), TestImages.jpeg(TestImages.noise(20, 30, 1)));
        upload(folder, "if");
        ImageDataset images = Datasets.open("imagefolder:s3://" + settings.bucket() + "/if?size=16", settings, cache);
        assertEquals(List.of("cat", "dog"), images.classNames());
        assertSameImages(Datasets.open("imagefolder:" + folder + "?size=16"), images);

        Path shards = Files.createDirectories(tmp.resolve("shards"));
        for (int s = 0; s < 3; s++) {
            Map<String, byte[]> members = new LinkedHashMap<>();
            members.put("k" + s + ".png", TestImages.png(TestImages.solid(8, 8, s * 40 << 16)));
            members.put("k" + s + ".cls", TestImages.text(Integer.toString(s)));
            TestImages.writeTar(shards.resolve("train-00" + s + ".tar"), members);
        }
        upload(shards, "wds");
        ImageDataset two = Datasets.open(
                "webdataset:s3://" + settings.bucket() + "/wds/train-{000..001}.tar?size=8", settings, cache);
        assertEquals(2, two.size(), "the pattern names two shards");
        assertEquals("webdataset:s3://" + settings.bucket() + "/wds/train-{000..001}.tar?size=8", two.uri());
        ImageDataset one =
                Datasets.open("webdataset:s3://" + settings.bucket() + "/wds/train-002.tar", settings, cache);
        assertEquals(List.of(2), List.of(one.label(0)), "a single shard object");
    }

    @Test
    void theRealCifar10SubsetFromS3MatchesTheLocalFiles() throws IOException {
        String shared = System.getProperty("twinview.shared.dir");
        Path subset = shared == null ? null : Path.of(shared, "datasets", "cifar10-subset");
        Assumptions.assumeTrue(
                subset != null && Files.isRegularFile(subset.resolve("data_batch_1.bin")),
                "real CIFAR-10 subset not found (twinview.shared.dir/datasets/cifar10-subset); generated data covers S3 above");
        upload(subset, "cifar10");

        ImageDataset ds = Datasets.open("cifar10:s3://" + settings.bucket() + "/cifar10?batches=2", settings, cache);

        assertEquals("cifar10:s3://" + settings.bucket() + "/cifar10?batches=2", ds.uri());
        assertSameImages(Datasets.open("cifar10:" + subset + "?batches=2"), ds);
    }

    @Test
    void s3UrisWithoutStorageSettingsOrObjectsFailClearly() {
        String noSettings = assertThrows(DatasetException.class, () -> Datasets.open("cifar10:s3://bucket/cifar10"))
                .getMessage();
        assertTrue(
                noSettings.contains("'cifar10:s3://bucket/cifar10'") && noSettings.contains("needs storage settings"),
                noSettings);
        assertThrows(
                DatasetException.class, () -> Datasets.defaultSplits("stl10:s3://bucket/stl10"), "defaultSplits too");

        String empty = assertThrows(
                        DatasetException.class,
                        () -> Datasets.open("cifar100:s3://" + settings.bucket() + "/nothing-here", settings, cache))
                .getMessage();
        assertTrue(empty.contains("no objects under this prefix"), empty);
        String badBucket = assertThrows(
                        DatasetException.class, () -> Datasets.open("cifar100:s3://Bad_Bucket/x", settings, cache))
                .getMessage();
        assertTrue(badBucket.contains("is not an S3 bucket name"), badBucket);
    }
}
