package io.twinview.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The reader on the real CIFAR-10 subset in {@code ${twinview.shared.dir}/datasets/cifar10-subset}
 * (the first 932 records of each official data_batch file, no test_batch.bin). Skipped when absent.
 */
class Cifar10SubsetTest {

    static Path subset;

    @BeforeAll
    static void locate() {
        String shared = System.getProperty("twinview.shared.dir");
        Assumptions.assumeTrue(
                shared != null,
                "system property twinview.shared.dir is not set (the parent POM's surefire config sets it)");
        subset = Path.of(shared, "datasets", "cifar10-subset");
        Assumptions.assumeTrue(
                Files.isRegularFile(subset.resolve("data_batch_1.bin")),
                "real CIFAR-10 subset not found at " + subset + "; generated-file tests still cover the reader");
    }

    @Test
    void opensAllFiveBatchesWithTheirClassNames() {
        ImageDataset ds = Datasets.open("cifar10:" + subset);
        assertEquals(5 * 932, ds.size(), "5 files of 932 records");
        assertEquals(
                List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
                ds.classNames(),
                "names from batches.meta.txt");
        int[] counts = new int[10];
        for (int i = 0; i < ds.size(); i++) {
            counts[ds.label(i)]++;
        }
        for (int c = 0; c < 10; c++) {
            assertTrue(
                    counts[c] > 300,
                    "class " + c + " is well represented, got " + counts[c] + " " + Arrays.toString(counts));
        }
    }

    @Test
    void keepsTheOfficialRecordOrder() {
        ImageDataset ds = Datasets.open("cifar10:" + subset + "?batches=1");
        int[] first = new int[10];
        for (int i = 0; i < 10; i++) {
            first[i] = ds.label(i);
        }
        // labels of the first ten records of the official data_batch_1 (frog, truck, truck, deer, ...)
        assertArrayEqualsMsg(new int[] {6, 9, 9, 4, 1, 1, 2, 7, 8, 3}, first);
    }

    private static void assertArrayEqualsMsg(int[] expected, int[] actual) {
        assertEquals(
                Arrays.toString(expected), Arrays.toString(actual), "record order of data_batch_1 is the official one");
    }

    @Test
    void pixelsLookLikeNaturalImages() {
        ImageDataset ds = Datasets.open("cifar10:" + subset + "?batches=2");
        byte[] img = new byte[ds.imageBytes()];
        long sum = 0;
        long neighbourDiff = 0;
        for (int i = 0; i < 100; i++) {
            ds.readImage(i, img, 0);
            for (int k = 0; k < img.length; k++) {
                sum += img[k] & 0xFF;
                if (k + 3 < img.length) {
                    neighbourDiff += Math.abs((img[k] & 0xFF) - (img[k + 3] & 0xFF));
                }
            }
        }
        double mean = sum / (100.0 * img.length);
        double diff = neighbourDiff / (100.0 * (img.length - 3));
        assertTrue(mean > 90 && mean < 160, "CIFAR mean pixel is about 120, got " + mean);
        // a wrong CHW->HWC conversion makes horizontally adjacent bytes unrelated (diff ~ 60+)
        assertTrue(
                diff < 25,
                "neighbouring pixels of the same channel are similar in natural images, mean |diff| " + diff);
    }

    @Test
    void defaultSplitsHoldOutBatchFive() {
        EvalSplits splits = Datasets.defaultSplits("cifar10:" + subset);
        Path dir = subset.toAbsolutePath().normalize();
        assertEquals("cifar10:" + dir + "?batches=1-4", splits.pretrainUri());
        assertEquals("cifar10:" + dir + "?batches=5", splits.evalTestUri());
        assertEquals(
                "no test_batch.bin in " + dir
                        + ": holding out data_batch_5 for evaluation, pre-training on data_batch_1-4",
                splits.note());
        assertEquals(4 * 932, Datasets.open(splits.evalTrainUri()).size());
        assertEquals(932, Datasets.open(splits.evalTestUri()).size());
    }
}
