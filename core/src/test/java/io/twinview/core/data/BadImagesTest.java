package io.twinview.core.data;

import static io.twinview.core.data.TestImages.gradient;
import static io.twinview.core.data.TestImages.jpeg;
import static io.twinview.core.data.TestImages.png;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.twinview.core.data.BadImageException.Reason;

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
        byte[] goodPng = png(gradient(40, 30));
        byte[] noisyJpeg = jpeg(TestImages.noise(128, 128, 7));
        int idat = TestImages.pngChunk(goodPng, "IDAT");
        int sof = sofOffset(noisyJpeg);
        return Stream.of(
                Arguments.of("empty.png", new byte[0], Reason.EMPTY),
                Arguments.of("cut.png", TestImages.truncate(goodPng, goodPng.length / 2), Reason.TRUNCATED),
                Arguments.of("cut.jpg", TestImages.truncate(noisyJpeg, noisyJpeg.length * 2 / 3), Reason.TRUNCATED),
                Arguments.of("cut-in-header.jpg", TestImages.truncate(noisyJpeg, 300), Reason.TRUNCATED),
                Arguments.of("text.png", TestImages.text("<html>404 Not Found</html>"), Reason.WRONG_MAGIC),
                Arguments.of("gif.jpg", TestImages.text("GIF89a...."), Reason.WRONG_MAGIC),
                Arguments.of("flipped-idat.png", TestImages.flipBit(goodPng, idat + 8 + 5, 3), Reason.CORRUPT),
                Arguments.of("flipped-sof.jpg", TestImages.flipBit(noisyJpeg, sof + 2, 4), Reason.CORRUPT),
                Arguments.of("bomb.png", TestImages.pngDeclaring(goodPng, 100_000, 100_000), Reason.TOO_LARGE),
                Arguments.of("bomb.jpg", TestImages.jpegDeclaring(noisyJpeg, 60_000, 60_000), Reason.TOO_LARGE));
    }

    private static int sofOffset(byte[] jpeg) {
        for (int i = 2; i + 1 < jpeg.length; i++) {
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xC0) {
                return i;
            }
        }
        throw new IllegalArgumentException("no SOF0");
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
        BadImageException e = assertThrows(BadImageException.class, () -> ds.readImage(1, img, 0), name + " must be rejected");

        assertEquals(reason, e.reason(), name + ": " + e.getMessage());
        assertEquals(dir.resolve("c/" + name).toAbsolutePath().normalize().toString(), e.sample(), "the sample is the file's path");
        assertTrue(e.getMessage().contains(ds.uri()) && e.getMessage().contains(name), "message names dataset and file: " + e.getMessage());
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
        BadImageException e = assertThrows(BadImageException.class, () -> ds.readImage(1, img, 0), name + " must be rejected");

        assertEquals(reason, e.reason(), name + ": " + e.getMessage());
        assertEquals(shard.toAbsolutePath().normalize() + ":s/001", e.sample(), "the sample is shard:key");
        ds.readImage(0, img, 0);
        ds.readImage(2, img, 0);
        assertEquals(List.of(0, 1, 2), List.of(ds.label(0), ds.label(1), ds.label(2)), "labels do not depend on the image");
    }
}
