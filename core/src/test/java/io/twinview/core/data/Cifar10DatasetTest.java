package io.twinview.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

/** The CIFAR-10 binary reader, on small files written by the test with known labels and pixels. */
class Cifar10DatasetTest {

    @TempDir
    Path dir;

    /** Pixel value of plane c (0 = R, 1 = G, 2 = B) at pixel p of the record with this id. */
    static int value(int id, int c, int p) {
        return (id * 37 + c * 85 + p * 3) & 0xFF;
    }

    static int labelOf(int id) {
        return id % 10;
    }

    /** Writes records with ids first .. first+count-1 in the official CHW layout. */
    static void writeBatch(Path file, int first, int count) throws IOException {
        byte[] bytes = new byte[count * 3073];
        for (int r = 0; r < count; r++) {
            int id = first + r;
            int base = r * 3073;
            bytes[base] = (byte) labelOf(id);
            for (int c = 0; c < 3; c++) {
                for (int p = 0; p < 1024; p++) {
                    bytes[base + 1 + c * 1024 + p] = (byte) value(id, c, p);
                }
            }
        }
        Files.write(file, bytes);
    }

    /** data_batch_1 holds ids 0..2, data_batch_2 ids 100..101, data_batch_10 ids 1000..1003. */
    void writeThreeBatches() throws IOException {
        writeBatch(dir.resolve("data_batch_1.bin"), 0, 3);
        writeBatch(dir.resolve("data_batch_2.bin"), 100, 2);
        writeBatch(dir.resolve("data_batch_10.bin"), 1000, 4);
    }

    static List<Integer> ids(ImageDataset ds) {
        // recover each record's id from its first R value and label: ids here are unique by (R0, label)
        List<Integer> ids = new ArrayList<>();
        byte[] img = new byte[ds.imageBytes()];
        for (int i = 0; i < ds.size(); i++) {
            ds.readImage(i, img, 0);
            int r0 = img[0] & 0xFF;
            for (int id : new int[] {0, 1, 2, 100, 101, 1000, 1001, 1002, 1003, 5000, 5001}) {
                if (value(id, 0, 0) == r0 && labelOf(id) == ds.label(i)) {
                    ids.add(id);
                }
            }
        }
        return ids;
    }

    @Test
    void readsLabelsAndPixelsAndInterleavesPlanesToHwc() throws IOException {
        writeThreeBatches();
        ImageDataset ds = Datasets.open("cifar10:" + dir);

        assertEquals(9, ds.size(), "3 + 2 + 4 records across the three batch files");
        assertEquals(32, ds.height());
        assertEquals(32, ds.width());
        assertEquals(3, ds.channels());
        assertEquals(10, ds.classCount());
        assertEquals(3072, ds.imageBytes());

        int[] expectedIds = {0, 1, 2, 100, 101, 1000, 1001, 1002, 1003};
        byte[] img = new byte[5 + 3072];
        for (int i = 0; i < expectedIds.length; i++) {
            int id = expectedIds[i];
            assertEquals(labelOf(id), ds.label(i), "label of index " + i + " is its record's label byte");
            ds.readImage(i, img, 5);
            for (int p = 0; p < 1024; p++) {
                for (int c = 0; c < 3; c++) {
                    int got = img[5 + 3 * p + c] & 0xFF;
                    if (got != value(id, c, p)) {
                        throw new AssertionError("index " + i + " pixel " + p + " channel " + c
                                + ": HWC byte must be plane " + c + " byte " + p + " of the record, expected "
                                + value(id, c, p) + " got " + got);
                    }
                }
            }
        }
        for (int k = 0; k < 5; k++) {
            assertEquals(0, img[k], "readImage writes only from the offset on");
        }
    }

    @Test
    void pixelAtRowOneColumnTwoComesFromEachPlaneAtRowMajorPosition() throws IOException {
        byte[] record = new byte[3073];
        record[0] = 7;
        int p = 1 * 32 + 2;
        record[1 + p] = (byte) 200; // R plane
        record[1 + 1024 + p] = (byte) 100; // G plane
        record[1 + 2048 + p] = (byte) 50; // B plane
        Files.write(dir.resolve("data_batch_1.bin"), record);

        ImageDataset ds = Datasets.open("cifar10:" + dir);
        byte[] img = new byte[3072];
        ds.readImage(0, img, 0);
        int hwc = (1 * 32 + 2) * 3;
        assertArrayEquals(
                new byte[] {(byte) 200, 100, 50},
                new byte[] {img[hwc], img[hwc + 1], img[hwc + 2]},
                "pixel (y=1, x=2) is R, G, B interleaved at HWC offset (y*32+x)*3");
        assertEquals(7, ds.label(0));
    }

    @Test
    void trainSplitTakesEveryDataBatchInNumericNotLexicographicOrder() throws IOException {
        writeThreeBatches();
        ImageDataset implicit = Datasets.open("cifar10:" + dir);
        ImageDataset explicit = Datasets.open("cifar10:" + dir + "?split=train");
        assertEquals(
                List.of(0, 1, 2, 100, 101, 1000, 1001, 1002, 1003),
                ids(implicit),
                "data_batch_10 comes after data_batch_2");
        assertEquals(ids(implicit), ids(explicit), "no parameter means split=train");
        assertEquals("cifar10:" + dir + "?split=train", implicit.uri(), "canonical URI names the split");
    }

    @Test
    void batchesSelectsListedFilesAndRanges() throws IOException {
        writeThreeBatches();
        writeBatch(dir.resolve("data_batch_3.bin"), 5000, 2);

        assertEquals(List.of(100, 101), ids(Datasets.open("cifar10:" + dir + "?batches=2")));
        assertEquals(List.of(0, 1, 2, 5000, 5001), ids(Datasets.open("cifar10:" + dir + "?batches=1,3")));
        assertEquals(List.of(0, 1, 2, 100, 101, 5000, 5001), ids(Datasets.open("cifar10:" + dir + "?batches=1-3")));
        assertEquals(
                List.of(0, 1, 2, 100, 101, 1000, 1001, 1002, 1003),
                ids(Datasets.open("cifar10:" + dir + "?batches=10,1-2")),
                "list order does not matter: numeric order");
        assertEquals(
                "cifar10:" + dir + "?batches=1-3,10",
                Datasets.open("cifar10:" + dir + "?batches=10,3,1-2").uri(),
                "canonical URI writes batches as sorted ranges");
    }

    @Test
    void testSplitReadsTestBatch() throws IOException {
        writeThreeBatches();
        writeBatch(dir.resolve("test_batch.bin"), 5000, 2);
        ImageDataset test = Datasets.open("cifar10:" + dir + "?split=test");
        assertEquals(List.of(5000, 5001), ids(test));
        assertEquals(9, Datasets.open("cifar10:" + dir).size(), "the train split never includes test_batch.bin");
    }

    @Test
    void relativeDirectoryResolvesAgainstTheWorkingDirectory() throws IOException {
        writeThreeBatches();
        Path relative = Path.of("").toAbsolutePath().relativize(dir);
        ImageDataset ds = Datasets.open("cifar10:" + relative + "?batches=2");
        assertEquals(2, ds.size());
        assertEquals("cifar10:" + dir + "?batches=2", ds.uri(), "uri() reports the directory absolute");
    }

    @Test
    void classNamesComeFromMetaFileOrDefaultToCifar10() throws IOException {
        writeThreeBatches();
        assertEquals(
                List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
                Datasets.open("cifar10:" + dir).classNames(),
                "no batches.meta.txt: the standard CIFAR-10 names");
        Files.writeString(dir.resolve("batches.meta.txt"), "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n");
        assertEquals(
                List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j"),
                Datasets.open("cifar10:" + dir).classNames(),
                "one name per non-blank line");
    }

    @Test
    void readOutsideTheDatasetIsAnIndexError() throws IOException {
        writeThreeBatches();
        ImageDataset ds = Datasets.open("cifar10:" + dir);
        assertThrows(IndexOutOfBoundsException.class, () -> ds.readImage(9, new byte[3072], 0));
        assertThrows(IndexOutOfBoundsException.class, () -> ds.readImage(-1, new byte[3072], 0));
        assertThrows(IndexOutOfBoundsException.class, () -> ds.readImage(0, new byte[3072], 1), "dst too short");
        assertThrows(IndexOutOfBoundsException.class, () -> ds.label(9));
    }

    // --- every bad input names what is wrong -------------------------------------------------

    private DatasetException openFails(String uri) {
        DatasetException e =
                assertThrows(DatasetException.class, () -> Datasets.open(uri), "opening " + uri + " must fail");
        assertTrue(e.getMessage().contains(uri), "message names the URI: " + e.getMessage());
        return e;
    }

    private static void assertMentions(DatasetException e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message should mention '" + part + "': " + e.getMessage());
        }
    }

    @Test
    void missingDirectoryIsNamed() {
        Path missing = dir.resolve("nope");
        assertMentions(openFails("cifar10:" + missing), "directory " + missing + " does not exist");
    }

    @Test
    void fileInsteadOfDirectoryIsNamed() throws IOException {
        Path file = Files.writeString(dir.resolve("file.txt"), "x");
        assertMentions(openFails("cifar10:" + file), file + " is not a directory");
    }

    @Test
    void emptyDirectoryPathIsNamed() {
        assertMentions(openFails("cifar10:?split=train"), "no directory after 'cifar10:'");
    }

    @Test
    void directoryWithoutDataBatchFilesIsNamed() {
        assertMentions(openFails("cifar10:" + dir), "no data_batch_*.bin files in " + dir);
    }

    @Test
    void fileThatIsNotAWholeNumberOfRecordsIsNamed() throws IOException {
        writeBatch(dir.resolve("data_batch_1.bin"), 0, 1);
        Files.write(dir.resolve("data_batch_2.bin"), new byte[3073 + 5]);
        assertMentions(
                openFails("cifar10:" + dir), "data_batch_2.bin is 3078 bytes", "not a positive multiple of 3073");
    }

    @Test
    void emptyFileIsNamed() throws IOException {
        Files.write(dir.resolve("data_batch_1.bin"), new byte[0]);
        assertMentions(openFails("cifar10:" + dir), "data_batch_1.bin is 0 bytes");
    }

    @Test
    void labelAboveNineIsNamedWithItsRecord() throws IOException {
        writeBatch(dir.resolve("data_batch_1.bin"), 0, 3);
        byte[] bytes = Files.readAllBytes(dir.resolve("data_batch_1.bin"));
        bytes[2 * 3073] = 42;
        Files.write(dir.resolve("data_batch_1.bin"), bytes);
        assertMentions(openFails("cifar10:" + dir), "record 2", "label 42", "0..9");
    }

    @Test
    void unknownParameterIsNamedWithTheAllowedOnes() throws IOException {
        writeThreeBatches();
        assertMentions(
                openFails("cifar10:" + dir + "?batch=1"), "unknown parameter 'batch'", "allowed: split, batches");
    }

    @Test
    void badSplitValueIsNamedWithTheAllowedOnes() throws IOException {
        writeThreeBatches();
        assertMentions(openFails("cifar10:" + dir + "?split=val"), "split='val'", "allowed: train, test");
    }

    @Test
    void splitAndBatchesTogetherAreRejected() throws IOException {
        writeThreeBatches();
        assertMentions(openFails("cifar10:" + dir + "?split=train&batches=1"), "either split or batches");
    }

    @Test
    void testSplitWithoutTestBatchIsNamed() throws IOException {
        writeThreeBatches();
        assertMentions(
                openFails("cifar10:" + dir + "?split=test"),
                "split=test needs test_batch.bin",
                "present: data_batch_1-2,10");
    }

    @Test
    void absentBatchIsNamed() throws IOException {
        writeThreeBatches();
        assertMentions(
                openFails("cifar10:" + dir + "?batches=2-4"), "asks for data_batch_3-4", "present: data_batch_1-2,10");
    }

    @Test
    void malformedBatchesAreNamed() throws IOException {
        writeThreeBatches();
        assertMentions(openFails("cifar10:" + dir + "?batches=one"), "'one' is not a batch number or range");
        assertMentions(openFails("cifar10:" + dir + "?batches=3-1"), "runs backwards");
        assertMentions(openFails("cifar10:" + dir + "?batches=1,1"), "names batch 1 twice");
        assertMentions(openFails("cifar10:" + dir + "?batches=0"), "batch number '0' is not an integer >= 1");
        assertMentions(openFails("cifar10:" + dir + "?batches="), "not of the form key=value");
        assertMentions(openFails("cifar10:" + dir + "?batches=1&batches=2"), "parameter 'batches' is given twice");
    }

    @Test
    void metaFileWithWrongNumberOfNamesIsNamed() throws IOException {
        writeThreeBatches();
        Files.writeString(dir.resolve("batches.meta.txt"), "cat\ndog\n");
        assertMentions(openFails("cifar10:" + dir), "batches.meta.txt has 2 non-blank lines", "expected 10");
    }

    // --- default evaluation splits ------------------------------------------------------------

    @Test
    void defaultSplitsUseTestBatchWhenPresent() throws IOException {
        writeThreeBatches();
        writeBatch(dir.resolve("test_batch.bin"), 5000, 2);
        EvalSplits splits = Datasets.defaultSplits("cifar10:" + dir);
        assertEquals("cifar10:" + dir + "?split=train", splits.pretrainUri());
        assertEquals("cifar10:" + dir + "?split=train", splits.evalTrainUri());
        assertEquals("cifar10:" + dir + "?split=test", splits.evalTestUri());
    }

    @Test
    void defaultSplitsHoldOutTheHighestBatchWithoutTestBatch() throws IOException {
        for (int b = 1; b <= 5; b++) {
            writeBatch(dir.resolve("data_batch_" + b + ".bin"), b, 1);
        }
        EvalSplits splits = Datasets.defaultSplits("cifar10:" + dir);
        assertEquals(
                "cifar10:" + dir + "?batches=1-4", splits.pretrainUri(), "pre-train on all but the held-out batch");
        assertEquals(splits.pretrainUri(), splits.evalTrainUri(), "probes are fitted on the pre-training images");
        assertEquals("cifar10:" + dir + "?batches=5", splits.evalTestUri(), "highest-numbered batch is held out");
        assertEquals(
                "no test_batch.bin in " + dir
                        + ": holding out data_batch_5 for evaluation, pre-training on data_batch_1-4",
                splits.note());
        assertEquals(4, Datasets.open(splits.pretrainUri()).size(), "returned URIs open");
        assertEquals(1, Datasets.open(splits.evalTestUri()).size(), "returned URIs open");
    }

    @Test
    void defaultSplitsOfAnExplicitSelectionKeepItAndScoreOnWhatItLeavesOut() throws IOException {
        for (int b = 1; b <= 5; b++) {
            writeBatch(dir.resolve("data_batch_" + b + ".bin"), b, 1);
        }
        EvalSplits fromDefault = Datasets.defaultSplits("cifar10:" + dir);
        EvalSplits again = Datasets.defaultSplits(fromDefault.pretrainUri());
        assertEquals(fromDefault.pretrainUri(), again.pretrainUri());
        assertEquals(
                fromDefault.evalTestUri(),
                again.evalTestUri(),
                "re-deriving from the chosen pre-training URI gives the same test set");

        EvalSplits two = Datasets.defaultSplits("cifar10:" + dir + "?batches=1,2");
        assertEquals("cifar10:" + dir + "?batches=1-2", two.pretrainUri());
        assertEquals("cifar10:" + dir + "?batches=5", two.evalTestUri(), "highest batch the selection leaves out");

        EvalSplits all = Datasets.defaultSplits("cifar10:" + dir + "?split=train");
        assertEquals("cifar10:" + dir + "?split=train", all.pretrainUri());
        assertNull(all.evalTestUri(), "every batch pre-trained on and no test_batch.bin: no test set");
        assertTrue(all.note().contains("no evaluation test set"), all.note());
    }

    @Test
    void defaultSplitsWithTestBatchAndExplicitBatchesScoreOnTestBatch() throws IOException {
        writeThreeBatches();
        writeBatch(dir.resolve("test_batch.bin"), 5000, 2);
        EvalSplits splits = Datasets.defaultSplits("cifar10:" + dir + "?batches=1");
        assertEquals("cifar10:" + dir + "?batches=1", splits.pretrainUri());
        assertEquals("cifar10:" + dir + "?split=test", splits.evalTestUri());
    }

    @Test
    void defaultSplitsOfASingleBatchHaveNoTestSet() throws IOException {
        writeBatch(dir.resolve("data_batch_1.bin"), 0, 2);
        EvalSplits splits = Datasets.defaultSplits("cifar10:" + dir);
        assertEquals("cifar10:" + dir + "?split=train", splits.pretrainUri());
        assertNull(splits.evalTestUri(), "nothing to hold out");
    }

    @Test
    void defaultSplitsRejectWhatOpenRejects() {
        DatasetException e =
                assertThrows(DatasetException.class, () -> Datasets.defaultSplits("cifar10:" + dir.resolve("x")));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }
}
