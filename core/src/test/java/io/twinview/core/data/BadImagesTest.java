package io.twinview.core.data;

import static io.twinview.core.data.TestImages.gradient;
import static io.twinview.core.data.TestImages.jpeg;
import static io.twinview.core.data.TestImages.png;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.core.data.BadImageException.Reason;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each kind of bad image, fed through imagefolder and webdataset: its read fails with a
 * {@link BadImageException} carrying the reason and the sample, before any large allocation, and
 * the good images around it still read.
 */
class BadImagesTest {

    @TempDir
    Path dir;

    static Stream<Arguments> badImages() {
        return TestImages.badImages().stream().map(bad -> Arguments.of(bad.name(), bad.bytes(), bad.reason()));
    }

    @ParameterizedTest(name = "imagefolder {0} -> {2}")
    @MethodSource("badImages")
    void imagefolderRejectsTheImageAndKeepsTheRest(String name, byte[] bad, Reason reason) {
        TestImages.write(dir.resolve("c/a-good.png"), png(gradient(20, 20)));
        TestImages.write(dir.resolve("c/" + name), bad);
        TestImages.write(dir.resolve("c/z-good.jpg"), jpeg(gradient(20, 20)));
        ImageDataset ds = Datasets.open("imagefolder:" + dir + "?size=16");
        assertEquals(3, ds.size(), "the bad file is listed like any other; it fails only when read");

        byte[] img = new byte[ds.imageBytes()];
        BadImageException e =
                assertThrows(BadImageException.class, () -> ds.readImage(1, img, 0), name + " must be rejected");

        assertEquals(reason, e.reason(), name + ": " + e.getMessage());
        assertEquals(
                dir.resolve("c/" + name).toAbsolutePath().normalize().toString(),
                e.sample(),
                "the sample is the file's path");
        assertTrue(
                e.getMessage().contains(ds.uri()) && e.getMessage().contains(name),
                "message names dataset and file: " + e.getMessage());
        ds.readImage(0, img, 0);
        ds.readImage(2, img, 0);
        assertTrue(e instanceof DatasetException, "a worker catching DatasetException sees it too");
    }

    @ParameterizedTest(name = "webdataset {0} -> {2}")
    @MethodSource("badImages")
    void webdatasetRejectsTheSampleAndKeepsTheRest(String name, byte[] bad, Reason reason) {
        String extension = name.substring(name.indexOf('.') + 1);
        Map<String, byte[]> members = new LinkedHashMap<>();
        members.put("s/000.png", png(gradient(20, 20)));
        members.put("s/000.cls", TestImages.text("0"));
        members.put("s/001." + extension, bad);
        members.put("s/001.cls", TestImages.text("1"));
        members.put("s/002.jpg", jpeg(gradient(20, 20)));
        members.put("s/002.cls", TestImages.text("2"));
        Path shard = dir.resolve("shard-000.tar");
        TestImages.writeTar(shard, members);
        ImageDataset ds = Datasets.open("webdataset:" + shard + "?size=16");
        assertEquals(3, ds.size(), "the bad sample is indexed like any other");

        byte[] img = new byte[ds.imageBytes()];
        BadImageException e =
                assertThrows(BadImageException.class, () -> ds.readImage(1, img, 0), name + " must be rejected");

        assertEquals(reason, e.reason(), name + ": " + e.getMessage());
        assertEquals(shard.toAbsolutePath().normalize() + ":s/001", e.sample(), "the sample is shard:key");
        ds.readImage(0, img, 0);
        ds.readImage(2, img, 0);
        assertEquals(
                List.of(0, 1, 2), List.of(ds.label(0), ds.label(1), ds.label(2)), "labels do not depend on the image");
    }
}
