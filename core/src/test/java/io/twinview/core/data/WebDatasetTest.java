package io.twinview.core.data;

import static io.twinview.core.data.TestImages.png;
import static io.twinview.core.data.TestImages.solid;
import static io.twinview.core.data.TestImages.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** webdataset: tar shards indexed at open, samples grouped by key, random-access reads. */
class WebDatasetTest {

    @TempDir
    Path dir;

    /** Sample i of a shard is a solid image whose red value is {@code id} and whose label is {@code id % 7}. */
    static void writeShard(Path tar, int firstId, int count) {
        Map<String, byte[]> members = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            int id = firstId + i;
            String key = String.format("sample%04d", id);
            members.put(key + ".png", png(solid(12 + i, 10, (id << 16) | 0x0040)));
            members.put(key + ".cls", text(Integer.toString(id % 7)));
            members.put(key + ".json", text("{\"id\":" + id + "}"));
        }
        TestImages.writeTar(tar, members);
    }

    private static List<Integer> reds(ImageDataset ds) {
        List<Integer> reds = new ArrayList<>();
        byte[] img = new byte[ds.imageBytes()];
        for (int i = 0; i < ds.size(); i++) {
            ds.readImage(i, img, 0);
            reds.add(img[0] & 0xFF);
        }
        return reds;
    }

    @Test
    void oneShardReadsEverySampleWithItsLabel() {
        Path shard = dir.resolve("train-000.tar");
        writeShard(shard, 10, 5);

        ImageDataset ds = Datasets.open("webdataset:" + shard + "?size=8");

        assertEquals(5, ds.size(), "5 samples: png + cls (+ json, not used) each");
        assertEquals(List.of(10, 11, 12, 13, 14), reds(ds), "images in member order, each from its own tar member");
        assertEquals(List.of(3, 4, 5, 6, 0), List.of(ds.label(0), ds.label(1), ds.label(2), ds.label(3), ds.label(4)));
        assertEquals(7, ds.classCount(), "classes = largest label + 1 when not declared");
        assertEquals("webdataset:" + shard.toAbsolutePath().normalize() + "?size=8", ds.uri());
        byte[] img = new byte[ds.imageBytes()];
        ds.readImage(3, img, 0);
        ds.readImage(0, img, 0);
        assertEquals(10, img[0] & 0xFF, "random access: reading 3 then 0 gives sample 0");
    }

    @Test
    void aDirectoryAndABracePatternReadShardsInOrder() throws IOException {
        Path shards = Files.createDirectories(dir.resolve("shards"));
        writeShard(shards.resolve("part-001.tar"), 20, 2);
        writeShard(shards.resolve("part-000.tar"), 0, 3);
        writeShard(shards.resolve("part-002.tar"), 40, 1);
        Files.writeString(shards.resolve("README.txt"), "not a shard");

        ImageDataset all = Datasets.open("webdataset:" + shards + "?size=8");
        assertEquals(List.of(0, 1, 2, 20, 21, 40), reds(all), "every .tar of the directory, in name order");

        ImageDataset two = Datasets.open("webdataset:" + shards + "/part-{000..001}.tar?size=8&classes=10");
        assertEquals(List.of(0, 1, 2, 20, 21), reds(two), "the brace pattern names part-000 and part-001 only");
        assertEquals(10, two.classCount(), "classes=10 declared");
        assertEquals(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), two.classNames());

        String missing = assertThrows(
                        DatasetException.class, () -> Datasets.open("webdataset:" + shards + "/part-{000..003}.tar"))
                .getMessage();
        assertTrue(missing.contains("part-003.tar") && missing.contains("does not exist"), missing);
    }

    @Test
    void braceExpansionKeepsZeroPadding() {
        DatasetUri uri = DatasetUri.parse("webdataset:x");
        assertEquals(List.of("s-008.tar", "s-009.tar", "s-010.tar"), WebDataset.expand(uri, "s-{008..010}.tar"));
        assertEquals(List.of("a1-b8", "a1-b9", "a2-b8", "a2-b9"), WebDataset.expand(uri, "a{1..2}-b{8..9}"));
    }

    @Test
    void brokenShardsFailAtOpenNamingShardAndMember() throws IOException {
        Path noCls = dir.resolve("no-cls.tar");
        TestImages.writeTar(noCls, Map.of("k1.png", png(solid(4, 4, 0))));
        String e1 = assertThrows(DatasetException.class, () -> Datasets.open("webdataset:" + noCls))
                .getMessage();
        assertTrue(e1.contains("sample k1") && e1.contains("no .cls member"), e1);

        Path badCls = dir.resolve("bad-cls.tar");
        Map<String, byte[]> members = new LinkedHashMap<>();
        members.put("k1.png", png(solid(4, 4, 0)));
        members.put("k1.cls", text("cat"));
        TestImages.writeTar(badCls, members);
        String e2 = assertThrows(DatasetException.class, () -> Datasets.open("webdataset:" + badCls))
                .getMessage();
        assertTrue(e2.contains("k1.cls") && e2.contains("holds 'cat'"), e2);

        Path gz = dir.resolve("shard.tar.gz");
        Files.write(gz, new byte[] {0x1f, (byte) 0x8b, 8, 0});
        String e3 = assertThrows(DatasetException.class, () -> Datasets.open("webdataset:" + gz))
                .getMessage();
        assertTrue(e3.contains("not a .tar file"), e3);

        Path tooFewClasses = dir.resolve("ok.tar");
        writeShard(tooFewClasses, 0, 7);
        String e4 = assertThrows(
                        DatasetException.class, () -> Datasets.open("webdataset:" + tooFewClasses + "?classes=3"))
                .getMessage();
        assertTrue(e4.contains("classes=3 but the shards hold label 6"), e4);
    }

    @Test
    void aLabelOutOfTheClassRangeRefusesOnlyItsSample() {
        Path shard = dir.resolve("labels.tar");
        Map<String, byte[]> members = new LinkedHashMap<>();
        members.put("k0.png", png(solid(4, 4, 0)));
        members.put("k0.cls", text("2"));
        members.put("k1.png", png(solid(4, 4, 0)));
        members.put("k1.cls", text("1000000000"));
        members.put("k2.png", png(solid(4, 4, 0)));
        members.put("k2.cls", text("99999999999999999999"));
        TestImages.writeTar(shard, members);

        ImageDataset ds = Datasets.open("webdataset:" + shard + "?size=8");
        assertEquals(3, ds.size(), "the samples with huge labels are indexed; the dataset opens");
        assertEquals(3, ds.classCount(), "the class count comes from the labels in range, not from 1000000000");
        byte[] img = new byte[ds.imageBytes()];
        ds.readImage(0, img, 0);
        BadImageException huge = assertThrows(BadImageException.class, () -> ds.readImage(1, img, 0));
        assertEquals(BadImageException.Reason.BAD_LABEL, huge.reason(), huge.getMessage());
        assertTrue(
                huge.getMessage().contains("k1")
                        && huge.getMessage().contains("holds 1000000000")
                        && huge.getMessage().contains("100000 classes"),
                "names the sample, the value and the limit: " + huge.getMessage());
        assertThrows(BadImageException.class, () -> ds.label(1), "its label is refused too (probes)");
        assertEquals(
                BadImageException.Reason.BAD_LABEL,
                assertThrows(BadImageException.class, () -> ds.readImage(2, img, 0))
                        .reason(),
                "beyond a long as well");

        String tooMany = assertThrows(
                        DatasetException.class, () -> Datasets.open("webdataset:" + shard + "?classes=1000000000"))
                .getMessage();
        assertTrue(tooMany.contains("classes=1000000000 is above the limit of 100000"), tooMany);
    }

    @Test
    void defaultSplitsHaveNoTestSet() {
        Path shard = dir.resolve("a.tar");
        writeShard(shard, 0, 2);
        EvalSplits splits = Datasets.defaultSplits("webdataset:" + shard);
        assertEquals("webdataset:" + shard.toAbsolutePath().normalize() + "?size=96", splits.pretrainUri());
        assertNull(splits.evalTestUri(), "shards carry no held-out split");
    }
}
