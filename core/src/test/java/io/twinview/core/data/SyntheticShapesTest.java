package io.twinview.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The synthetic shapes dataset: deterministic, balanced, and shape (not colour) is the label. */
class SyntheticShapesTest {

    private static byte[] read(ImageDataset ds, int index) {
        byte[] img = new byte[ds.imageBytes()];
        ds.readImage(index, img, 0);
        return img;
    }

    @Test
    void defaultsAre4096ImagesOf32PxWithTenShapeClasses() {
        ImageDataset ds = Datasets.open("synthetic:");
        assertEquals(4096, ds.size());
        assertEquals(32, ds.height());
        assertEquals(32, ds.width());
        assertEquals(3, ds.channels());
        assertEquals(10, ds.classCount());
        assertEquals(
                List.of(
                        "disc",
                        "square",
                        "triangle",
                        "ring",
                        "cross",
                        "diamond",
                        "horizontal bar",
                        "vertical bar",
                        "star",
                        "L-shape"),
                ds.classNames());
        assertEquals(
                "synthetic:?n=4096&size=32&seed=0&split=train&classes=10",
                ds.uri(),
                "canonical URI spells every parameter");
    }

    @Test
    void pixelsArePureFunctionOfSeedSplitAndIndex() throws Exception {
        ImageDataset a = Datasets.open("synthetic:?n=64&seed=7");
        ImageDataset b = Datasets.open("synthetic:?n=64&seed=7");
        // read b backwards and concurrently: no hidden state may make order or threads matter
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int i = 63; i >= 0; i--) {
                int index = i;
                Future<byte[]> other = pool.submit(() -> read(b, index));
                assertArrayEquals(read(a, index), other.get(), "image " + i + " is the same for the same URI");
                assertArrayEquals(
                        read(a, index), read(a, index), "reading image " + i + " twice gives the same pixels");
            }
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void testSplitAndOtherSeedDrawDifferentImages() {
        ImageDataset train = Datasets.open("synthetic:?n=32&seed=1&split=train");
        ImageDataset test = Datasets.open("synthetic:?n=32&seed=1&split=test");
        ImageDataset otherSeed = Datasets.open("synthetic:?n=32&seed=2");
        for (int i = 0; i < 32; i++) {
            assertEquals(train.label(i), test.label(i), "labels are balanced the same way in both splits");
            assertFalse(
                    Arrays.equals(read(train, i), read(test, i)),
                    "test image " + i + " must not repeat the train image");
            assertFalse(Arrays.equals(read(train, i), read(otherSeed, i)), "another seed draws other images");
        }
    }

    @Test
    void everyClassIsPresentAndBalanced() {
        ImageDataset ds = Datasets.open("synthetic:?n=1000&classes=7");
        int[] counts = new int[ds.classCount()];
        for (int i = 0; i < ds.size(); i++) {
            counts[ds.label(i)]++;
        }
        assertEquals(7, ds.classNames().size());
        for (int c = 0; c < counts.length; c++) {
            assertTrue(counts[c] == 142 || counts[c] == 143, "class " + c + " holds 1000/7 images, got " + counts[c]);
        }
    }

    @Test
    void imagesUseTheValueRangeAndHaveATwoColourShape() {
        ImageDataset ds = Datasets.open("synthetic:?n=50&size=48");
        assertEquals(48 * 48 * 3, ds.imageBytes());
        Set<Integer> firstPixels = new HashSet<>();
        int lowCount = 0;
        int highCount = 0;
        for (int i = 0; i < ds.size(); i++) {
            byte[] img = read(ds, i);
            firstPixels.add(((img[0] & 0xFF) << 16) | ((img[1] & 0xFF) << 8) | (img[2] & 0xFF));
            // luma histogram: a shape on a background has two well-separated luma modes
            int min = 255;
            int max = 0;
            for (int p = 0; p < 48 * 48; p++) {
                int luma = (299 * (img[3 * p] & 0xFF) + 587 * (img[3 * p + 1] & 0xFF) + 114 * (img[3 * p + 2] & 0xFF))
                        / 1000;
                min = Math.min(min, luma);
                max = Math.max(max, luma);
                lowCount += luma < 32 ? 1 : 0;
                highCount += luma > 223 ? 1 : 0;
            }
            assertTrue(max - min >= 40, "image " + i + " shows a shape: luma spread " + (max - min) + " >= 40");
        }
        assertTrue(firstPixels.size() > 40, "background colours are random, not tied to the class");
        assertTrue(lowCount > 0 && highCount > 0, "dark and bright pixels both occur across the set");
    }

    @Test
    void shapesCoverDifferentPixels() {
        // same colours would make shapes comparable directly; instead compare binarised masks of class 0 and 6
        ImageDataset ds = Datasets.open("synthetic:?n=20&size=32");
        for (int i = 0; i < 10; i++) {
            int fg = foregroundPixels(read(ds, i));
            assertTrue(
                    fg > 20 && fg < 32 * 32 - 20,
                    "image " + i + " (" + ds.classNames().get(ds.label(i))
                            + ") has both shape and background pixels, got " + fg + " minority-colour pixels");
        }
    }

    /** Pixels whose colour is far from the top-left (background) colour. */
    private static int foregroundPixels(byte[] img) {
        int count = 0;
        for (int p = 0; p < img.length / 3; p++) {
            int d = Math.abs((img[3 * p] & 0xFF) - (img[0] & 0xFF))
                    + Math.abs((img[3 * p + 1] & 0xFF) - (img[1] & 0xFF))
                    + Math.abs((img[3 * p + 2] & 0xFF) - (img[2] & 0xFF));
            count += d > 40 ? 1 : 0;
        }
        return count;
    }

    @Test
    void badParametersAreNamedWithWhatIsAllowed() {
        assertError("synthetic:?n=0", "n='0'", "1..1000000 (twinview.datasets.max-images)");
        assertError("synthetic:?size=4", "size='4'", "8..1024");
        assertError("synthetic:?classes=11", "classes='11'", "2..10");
        assertError("synthetic:?seed=x", "seed='x' is not a 64-bit integer");
        assertError("synthetic:?split=val", "split='val'", "allowed: train, test");
        assertError("synthetic:?colour=red", "unknown parameter 'colour'", "allowed: n, size, seed, split, classes");
        assertError("synthetic:/tmp/x", "take no path");
    }

    private static void assertError(String uri, String... parts) {
        String message = assertThrows(DatasetException.class, () -> Datasets.open(uri), uri + " must be rejected")
                .getMessage();
        assertTrue(message.contains(uri), "message names the URI: " + message);
        for (String part : parts) {
            assertTrue(message.contains(part), "message should mention '" + part + "': " + message);
        }
    }

    @Test
    void defaultSplitsTrainOnTrainAndScoreOnAQuarterSizedTestStream() {
        EvalSplits splits = Datasets.defaultSplits("synthetic:?n=8192&seed=3&split=test");
        assertEquals(
                "synthetic:?n=8192&size=32&seed=3&split=train&classes=10",
                splits.pretrainUri(),
                "pre-training always uses split=train");
        assertEquals(splits.pretrainUri(), splits.evalTrainUri());
        assertEquals("synthetic:?n=2048&size=32&seed=3&split=test&classes=10", splits.evalTestUri(), "n/4 test images");
        assertEquals(
                "synthetic:?n=1024&size=32&seed=0&split=test&classes=10",
                Datasets.defaultSplits("synthetic:").evalTestUri(),
                "at least 1024 test images");
        assertEquals(
                1024,
                Datasets.open(Datasets.defaultSplits("synthetic:").evalTestUri())
                        .size(),
                "returned URIs open");
    }
}
