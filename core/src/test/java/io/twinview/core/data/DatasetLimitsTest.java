package io.twinview.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every size a dataset URI controls stops at its limit, with an error naming the parameter, value and range. */
class DatasetLimitsTest {

    @TempDir
    Path tmp;

    private static final DatasetLimits SMALL = new DatasetLimits(100, 64, 5, 4);
    private static final DatasetPolicy POLICY = new DatasetPolicy(DatasetRoots.ANY, SMALL);

    private static String refused(String uri, DatasetPolicy policy) {
        return assertThrows(DatasetException.class, () -> Datasets.open(uri, null, policy), uri + " must be refused")
                .getMessage();
    }

    @Test
    void syntheticCountAndSizeFollowTheLimits() {
        String n = refused("synthetic:?n=2000000000", new DatasetPolicy(DatasetRoots.ANY, DatasetLimits.DEFAULTS));
        assertTrue(
                n.contains("n='2000000000' is not allowed; allowed: an integer in 1..1000000"
                        + " (twinview.datasets.max-images)"),
                n);
        assertTrue(refused("synthetic:?n=101", POLICY).contains("1..100"));
        String size = refused("synthetic:?size=65", POLICY);
        assertTrue(size.contains("size='65' is not allowed; allowed: an integer in 8..64"), size);
        String classes = refused("synthetic:?classes=11", POLICY);
        assertTrue(classes.contains("classes='11' is not allowed; allowed: an integer in 2..10"), classes);
        assertEquals(
                100, Datasets.open("synthetic:?n=100&size=64", null, POLICY).size(), "the limits themselves pass");
    }

    @Test
    void anImageFolderStopsListingPastTheImageLimit() throws IOException {
        Path dir = tmp.resolve("folder");
        byte[] png = TestImages.png(TestImages.solid(8, 8, 0xff0000));
        for (String c : new String[] {"a", "b"}) {
            Files.createDirectories(dir.resolve(c));
            for (int i = 0; i < 60; i++) {
                Files.write(dir.resolve(c).resolve(i + ".png"), png);
            }
        }
        String message = refused("imagefolder:" + dir, POLICY);
        assertTrue(
                message.contains("images: the folder holds more than 100 images (counted up to class b);"
                        + " allowed: at most 100 (twinview.datasets.max-images)"),
                message);
        assertTrue(refused("imagefolder:" + dir + "?size=65", POLICY).contains("8..64"));
        assertEquals(120, Datasets.open("imagefolder:" + dir).size(), "the default limits allow it");
    }

    @Test
    void braceExpansionIsBoundedByTheProductOfItsRanges() {
        String message = refused("webdataset:" + tmp + "/s-{0..1}-{0..2}.tar", POLICY);
        assertTrue(
                message.contains("names more than 4 shards; allowed: at most 4 (twinview.datasets.max-shards)"),
                message);
        String huge = refused(
                "webdataset:" + tmp + "/s-{0..9999}{0..9999}{0..9999}.tar",
                new DatasetPolicy(DatasetRoots.ANY, DatasetLimits.DEFAULTS));
        assertTrue(huge.contains("names more than 10000 shards"), "refused before expanding: " + huge);
        String missing = refused("webdataset:" + tmp + "/s-{0..1}-{0..1}.tar", POLICY);
        assertTrue(missing.contains("does not exist"), "four shards are within the limit: " + missing);
    }

    @Test
    void webDatasetClassesAreBounded() throws IOException {
        Path shard = tmp.resolve("one.tar");
        WebDatasetTest.writeShard(shard, 0, 3);
        String message = refused("webdataset:" + shard + "?classes=6", POLICY);
        assertTrue(
                message.contains("classes = 6 is not allowed; allowed: 1..5 (twinview.datasets.max-classes)"), message);
        assertEquals(
                3,
                Datasets.open("webdataset:" + shard + "?classes=5", null, POLICY)
                        .size());
    }

    @Test
    void limitsThemselvesAreChecked() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new DatasetLimits(100, 2048, 5, 4));
        assertTrue(e.getMessage().contains("twinview.datasets.max-image-size = 2048 is not valid: allowed 8..1024"));
    }
}
