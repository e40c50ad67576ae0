package io.twinview.core.data;

import static io.twinview.core.data.TestImages.gradient;
import static io.twinview.core.data.TestImages.jpeg;
import static io.twinview.core.data.TestImages.png;
import static io.twinview.core.data.TestImages.solid;
import static io.twinview.core.data.TestImages.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** imagefolder: class folders, colour conversion, the shorter-side resize and centre crop. */
class ImageFolderDatasetTest {

    @TempDir
    Path dir;

    private static int[] pixel(ImageDataset ds, byte[] img, int y, int x) {
        int o = (y * ds.width() + x) * 3;
        return new int[] {img[o] & 0xFF, img[o + 1] & 0xFF, img[o + 2] & 0xFF};
    }

    private static byte[] read(ImageDataset ds, int index) {
        byte[] img = new byte[ds.imageBytes()];
        ds.readImage(index, img, 0);
        return img;
    }

    @Test
    void classesAreSortedFolderNamesAndFilesAreListedInPathOrder() {
        write(dir.resolve("zebra/b.png"), png(solid(10, 10, 0x0000FF)));
        write(dir.resolve("zebra/a.JPG"), jpeg(solid(10, 10, 0x00FF00)));
        write(dir.resolve("apple/nested/c.jpeg"), jpeg(solid(12, 9, 0xFF0000)));
        write(dir.resolve("apple/notes.txt"), TestImages.text("not an image"));
        write(dir.resolve("apple/.hidden.png"), png(solid(4, 4, 0)));
        write(dir.resolve(".git/x.png"), png(solid(4, 4, 0)));

        ImageDataset ds = Datasets.open("imagefolder:" + dir + "?size=16");

        assertEquals(List.of("apple", "zebra"), ds.classNames(), "classes are the sorted visible folder names");
        assertEquals(3, ds.size(), "three images; the .txt and hidden files are not images of the set");
        assertEquals(List.of(0, 1, 1), List.of(ds.label(0), ds.label(1), ds.label(2)));
        assertEquals(16, ds.height());
        assertEquals(16, ds.width());
        assertEquals("imagefolder:" + dir.toAbsolutePath().normalize() + "?size=16", ds.uri());
        int[] red = pixel(ds, read(ds, 0), 8, 8);
        assertTrue(
                red[0] > 240 && red[1] < 15 && red[2] < 15,
                "apple/nested/c.jpeg is red: " + List.of(red[0], red[1], red[2]));
        int[] green = pixel(ds, read(ds, 1), 8, 8);
        assertTrue(green[1] > 240 && green[0] < 15, "zebra/a.JPG (first by name) is green");
        assertEquals(
                List.of(0, 0, 255), toList(pixel(ds, read(ds, 2), 0, 0)), "zebra/b.png is exactly blue (lossless)");
    }

    @Test
    void theDefaultSizeIs96() {
        write(dir.resolve("a/x.png"), png(solid(300, 200, 0x102030)));
        ImageDataset ds = Datasets.open("imagefolder:" + dir);
        assertEquals(96, ds.height(), "documented default side");
        assertEquals(
                List.of(0x10, 0x20, 0x30),
                toList(pixel(ds, read(ds, 0), 50, 50)),
                "a flat colour survives the resize exactly");
    }

    @Test
    void grayscalePaletteAndAlphaBecomeRgbWithoutChangingTheColour() {
        write(dir.resolve("a/gray.png"), png(TestImages.gray(20, 20, 77)));
        write(dir.resolve("a/gray.jpg"), jpeg(TestImages.gray(20, 20, 200)));
        write(dir.resolve("a/palette.png"), png(TestImages.palette(20, 20, 0xC08040)));
        write(dir.resolve("a/rgba.png"), png(TestImages.withAlpha(20, 20, 0x336699)));

        ImageDataset ds = Datasets.open("imagefolder:" + dir + "?size=8");

        assertEquals(
                List.of(77, 77, 77),
                toList(pixel(ds, read(ds, 1), 4, 4)),
                "gray.png: the gray value replicated, no gamma change");
        int[] jpegGray = pixel(ds, read(ds, 0), 4, 4);
        assertTrue(
                Math.abs(jpegGray[0] - 200) <= 2 && jpegGray[0] == jpegGray[1] && jpegGray[1] == jpegGray[2],
                "gray.jpg: R=G=B near 200, got " + toList(jpegGray));
        assertEquals(List.of(0xC0, 0x80, 0x40), toList(pixel(ds, read(ds, 2), 4, 4)), "palette entries are looked up");
        assertEquals(List.of(0x33, 0x66, 0x99), toList(pixel(ds, read(ds, 3), 4, 4)), "alpha is dropped, colour kept");
    }

    @Test
    void theShorterSideIsResizedAndTheCentreCropped() {
        // 300x100: left third red, middle green, right third blue; shorter side 100 -> 30, width 90 -> crop the middle
        // 30
        BufferedImage wide = new BufferedImage(300, 100, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 100; y++) {
            for (int x = 0; x < 300; x++) {
                wide.setRGB(x, y, x < 100 ? 0xFF0000 : x < 200 ? 0x00FF00 : 0x0000FF);
            }
        }
        write(dir.resolve("a/wide.png"), png(wide));
        ImageDataset ds = Datasets.open("imagefolder:" + dir + "?size=30");
        byte[] img = read(ds, 0);
        for (int x = 1; x < 29; x++) {
            assertEquals(
                    List.of(0, 255, 0),
                    toList(pixel(ds, img, 15, x)),
                    "column " + x + " of the crop is the green middle third");
        }
        // the filter of an edge column reaches 3.3 source pixels out: a little of the neighbouring third blends in
        assertTrue(
                pixel(ds, img, 15, 0)[1] > 200 && pixel(ds, img, 15, 0)[0] < 55,
                "left edge is mostly green, a little red");
        assertTrue(
                pixel(ds, img, 15, 29)[1] > 200 && pixel(ds, img, 15, 29)[2] < 55,
                "right edge is mostly green, a little blue");
    }

    @Test
    void downscalingIsAntialiased() {
        // a 1-pixel checkerboard shrunk 8x must average to mid-gray; point sampling would give black or white
        BufferedImage checker = new BufferedImage(256, 256, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 256; y++) {
            for (int x = 0; x < 256; x++) {
                checker.setRGB(x, y, ((x + y) & 1) == 0 ? 0xFFFFFF : 0);
            }
        }
        write(dir.resolve("a/checker.png"), png(checker));
        ImageDataset ds = Datasets.open("imagefolder:" + dir + "?size=32");
        byte[] img = read(ds, 0);
        for (int i = 0; i < img.length; i++) {
            int v = img[i] & 0xFF;
            assertTrue(
                    Math.abs(v - 128) <= 4,
                    "byte " + i + " is " + v + "; an antialiased resize averages the checkerboard to ~128");
        }
    }

    @Test
    void upscalingInterpolatesSmoothly() {
        write(dir.resolve("a/g.png"), png(gradient(16, 16)));
        ImageDataset ds = Datasets.open("imagefolder:" + dir + "?size=64");
        byte[] img = read(ds, 0);
        int previous = -1;
        for (int x = 0; x < 64; x++) {
            int r = pixel(ds, img, 32, x)[0];
            assertTrue(r >= previous, "red rises monotonically along the row of a left-to-right gradient, x=" + x);
            previous = r;
        }
    }

    @Test
    void badUrisAreRejectedNamingTheProblem() {
        write(dir.resolve("a/x.png"), png(solid(4, 4, 0)));
        String size = assertThrows(DatasetException.class, () -> Datasets.open("imagefolder:" + dir + "?size=4"))
                .getMessage();
        assertTrue(size.contains("size='4' is not allowed; allowed: an integer in 8..1024"), size);
        String unknown = assertThrows(
                        DatasetException.class, () -> Datasets.open("imagefolder:" + dir + "?split=train"))
                .getMessage();
        assertTrue(unknown.contains("unknown parameter 'split'"), unknown);
        String missing = assertThrows(DatasetException.class, () -> Datasets.open("imagefolder:" + dir.resolve("nope")))
                .getMessage();
        assertTrue(missing.contains("does not exist"), missing);
        Path empty = dir.resolve("empty");
        write(empty.resolve("c/readme.txt"), TestImages.text("x"));
        String none = assertThrows(DatasetException.class, () -> Datasets.open("imagefolder:" + empty))
                .getMessage();
        assertTrue(none.contains("no .jpg, .jpeg or .png files"), none);
    }

    @Test
    void defaultSplitsHaveNoTestSet() {
        write(dir.resolve("a/x.png"), png(solid(4, 4, 0)));
        EvalSplits splits = Datasets.defaultSplits("imagefolder:" + dir);
        String canonical = "imagefolder:" + dir.toAbsolutePath().normalize() + "?size=96";
        assertEquals(canonical, splits.pretrainUri());
        assertEquals(canonical, splits.evalTrainUri());
        assertNull(splits.evalTestUri(), "one folder holds no held-out images");
        assertFalse(splits.note().isBlank(), "the note says why");
    }

    private static List<Integer> toList(int[] rgb) {
        return List.of(rgb[0], rgb[1], rgb[2]);
    }
}
