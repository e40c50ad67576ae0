package io.twinview.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CIFAR-100 binary reader, on small files in the official 3074-byte record layout. */
class Cifar100DatasetTest {

    @TempDir
    Path dir;

    static int value(int id, int c, int p) {
        return (id * 31 + c * 70 + p * 5) & 0xFF;
    }

    /** Record id: coarse label id % 20, fine label (id * 3) % 100, CHW pixels. */
    static void writeFile(Path file, int first, int count) throws IOException {
        byte[] bytes = new byte[count * 3074];
        for (int r = 0; r < count; r++) {
            int id = first + r;
            int base = r * 3074;
            bytes[base] = (byte) (id % 20);
            bytes[base + 1] = (byte) ((id * 3) % 100);
            for (int c = 0; c < 3; c++) {
                for (int p = 0; p < 1024; p++) {
                    bytes[base + 2 + c * 1024 + p] = (byte) value(id, c, p);
                }
            }
        }
        Files.write(file, bytes);
    }

    @Test
    void readsFineLabelsAndInterleavesPlanes() throws IOException {
        writeFile(dir.resolve("train.bin"), 0, 4);
        writeFile(dir.resolve("test.bin"), 50, 2);

        ImageDataset train = Datasets.open("cifar100:" + dir);
        assertEquals(4, train.size());
        assertEquals(100, train.classCount());
        assertEquals(
                List.of(0, 3, 6, 9),
                List.of(train.label(0), train.label(1), train.label(2), train.label(3)),
                "the fine label (second byte), not the coarse one");
        assertEquals("apple", train.classNames().get(0), "standard names without fine_label_names.txt");
        assertEquals("worm", train.classNames().get(99));
        assertEquals("cifar100:" + dir.toAbsolutePath().normalize() + "?split=train", train.uri());
        byte[] img = new byte[train.imageBytes()];
        train.readImage(2, img, 0);
        for (int p : new int[] {0, 1, 33, 1023}) {
            for (int c = 0; c < 3; c++) {
                assertEquals(value(2, c, p), img[p * 3 + c] & 0xFF, "pixel " + p + " channel " + c + " in HWC order");
            }
        }

        ImageDataset test = Datasets.open("cifar100:" + dir + "?split=test");
        assertEquals(2, test.size());
        assertEquals(50, test.label(0), "record 50's fine label is 150 % 100");
    }

    @Test
    void namesComeFromFineLabelNamesTxt() throws IOException {
        writeFile(dir.resolve("train.bin"), 0, 1);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            names.add("class" + i);
        }
        Files.write(dir.resolve("fine_label_names.txt"), names);
        assertEquals(names, Datasets.open("cifar100:" + dir).classNames());
    }

    @Test
    void wrongFilesAreRejectedWithTheReason() throws IOException {
        Files.write(dir.resolve("train.bin"), new byte[3073 * 2]);
        String size = assertThrows(DatasetException.class, () -> Datasets.open("cifar100:" + dir))
                .getMessage();
        assertTrue(size.contains("not a positive multiple of 3074"), size);

        byte[] badLabel = new byte[3074];
        badLabel[1] = (byte) 100;
        Files.write(dir.resolve("train.bin"), badLabel);
        String label = assertThrows(DatasetException.class, () -> Datasets.open("cifar100:" + dir))
                .getMessage();
        assertTrue(label.contains("fine label 100"), label);

        String split = assertThrows(DatasetException.class, () -> Datasets.open("cifar100:" + dir + "?split=val"))
                .getMessage();
        assertTrue(split.contains("split='val' is not allowed; allowed: train, test"), split);
        String noTest = assertThrows(DatasetException.class, () -> Datasets.open("cifar100:" + dir + "?split=test"))
                .getMessage();
        assertTrue(noTest.contains("test.bin, which is not in"), noTest);
    }

    @Test
    void defaultSplitsScoreOnTestWhenPresent() throws IOException {
        writeFile(dir.resolve("train.bin"), 0, 1);
        Path abs = dir.toAbsolutePath().normalize();
        assertNull(Datasets.defaultSplits("cifar100:" + dir).evalTestUri(), "no test.bin: no test set");
        writeFile(dir.resolve("test.bin"), 0, 1);
        EvalSplits splits = Datasets.defaultSplits("cifar100:" + dir);
        assertEquals("cifar100:" + abs + "?split=train", splits.pretrainUri());
        assertEquals("cifar100:" + abs + "?split=train", splits.evalTrainUri());
        assertEquals("cifar100:" + abs + "?split=test", splits.evalTestUri());
    }
}
