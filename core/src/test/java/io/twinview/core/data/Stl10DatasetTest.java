package io.twinview.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The STL-10 binary reader, on small files in the official column-major layout. */
class Stl10DatasetTest {

    @TempDir
    Path dir;

    /** Value of channel c at row y, column x of image id. */
    static int value(int id, int c, int y, int x) {
        return (id * 11 + c * 80 + y * 2 + x * 7) & 0xFF;
    }

    /** Images ids first.., each channel stored column-major (byte c*9216 + x*96 + y), as stl10_input.py reads them. */
    static void writeImages(Path file, int first, int count) throws IOException {
        byte[] bytes = new byte[count * 27648];
        for (int i = 0; i < count; i++) {
            for (int c = 0; c < 3; c++) {
                for (int x = 0; x < 96; x++) {
                    for (int y = 0; y < 96; y++) {
                        bytes[i * 27648 + c * 9216 + x * 96 + y] = (byte) value(first + i, c, y, x);
                    }
                }
            }
        }
        Files.write(file, bytes);
    }

    @Test
    void readsColumnMajorPlanesAsHwcAndShiftsLabelsToZeroBased() throws IOException {
        writeImages(dir.resolve("train_X.bin"), 0, 3);
        Files.write(dir.resolve("train_y.bin"), new byte[] {1, 10, 4});

        ImageDataset ds = Datasets.open("stl10:" + dir);

        assertEquals(3, ds.size());
        assertEquals(96, ds.height());
        assertEquals(List.of(0, 9, 3), List.of(ds.label(0), ds.label(1), ds.label(2)), "labels 1..10 on disk are 0..9");
        assertTrue(ds.labelled());
        assertEquals(
                List.of("airplane", "bird", "car", "cat", "deer", "dog", "horse", "monkey", "ship", "truck"),
                ds.classNames());
        byte[] img = new byte[ds.imageBytes()];
        ds.readImage(1, img, 0);
        for (int[] yx : new int[][] {{0, 0}, {0, 1}, {1, 0}, {5, 90}, {95, 95}}) {
            for (int c = 0; c < 3; c++) {
                assertEquals(
                        value(1, c, yx[0], yx[1]),
                        img[(yx[0] * 96 + yx[1]) * 3 + c] & 0xFF,
                        "row " + yx[0] + " column " + yx[1] + " channel " + c + ": rows are not swapped with columns");
            }
        }
    }

    @Test
    void unlabeledHasNoLabelsAndIsForPretrainingOnly() throws IOException {
        writeImages(dir.resolve("train_X.bin"), 0, 2);
        Files.write(dir.resolve("train_y.bin"), new byte[] {1, 2});
        writeImages(dir.resolve("test_X.bin"), 10, 1);
        Files.write(dir.resolve("test_y.bin"), new byte[] {3});
        writeImages(dir.resolve("unlabeled_X.bin"), 100, 4);

        ImageDataset unlabeled = Datasets.open("stl10:" + dir + "?split=unlabeled");
        assertEquals(4, unlabeled.size());
        assertFalse(unlabeled.labelled(), "the unlabeled split says so");
        assertEquals(ImageDataset.UNLABELLED, unlabeled.label(3), "label -1 for every unlabeled image");

        Path abs = dir.toAbsolutePath().normalize();
        EvalSplits splits = Datasets.defaultSplits("stl10:" + dir);
        assertEquals(
                "stl10:" + abs + "?split=unlabeled", splits.pretrainUri(), "STL-10 protocol: pre-train on unlabeled");
        assertEquals(
                "stl10:" + abs + "?split=train",
                splits.evalTrainUri(),
                "probes are fitted on train, never on unlabeled");
        assertEquals("stl10:" + abs + "?split=test", splits.evalTestUri());
        EvalSplits named = Datasets.defaultSplits("stl10:" + dir + "?split=unlabeled");
        assertEquals("stl10:" + abs + "?split=train", named.evalTrainUri(), "also when unlabeled is named");
        assertEquals(
                "stl10:" + abs + "?split=train",
                Datasets.defaultSplits("stl10:" + dir + "?split=train").pretrainUri());
    }

    @Test
    void wrongFilesAreRejectedWithTheReason() throws IOException {
        writeImages(dir.resolve("train_X.bin"), 0, 2);
        Files.write(dir.resolve("train_y.bin"), new byte[] {1});
        String count = assertThrows(DatasetException.class, () -> Datasets.open("stl10:" + dir))
                .getMessage();
        assertTrue(count.contains("holds 1 labels for 2 images"), count);

        Files.write(dir.resolve("train_y.bin"), new byte[] {0, 1});
        String zero = assertThrows(DatasetException.class, () -> Datasets.open("stl10:" + dir))
                .getMessage();
        assertTrue(zero.contains("is 0; STL-10 labels on disk are 1..10"), zero);

        String split = assertThrows(DatasetException.class, () -> Datasets.open("stl10:" + dir + "?split=val"))
                .getMessage();
        assertTrue(split.contains("allowed: train, test, unlabeled"), split);

        Files.write(dir.resolve("test_X.bin"), new byte[100]);
        String size = assertThrows(DatasetException.class, () -> Datasets.open("stl10:" + dir + "?split=test"))
                .getMessage();
        assertTrue(size.contains("not a positive multiple of 27648"), size);
    }
}
