package io.twinview.augment.op;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CanvasTest {

    private static byte[] randomImage(int height, int width, long seed) {
        byte[] img = new byte[height * width * 3];
        new SplittableRandom(seed).nextBytes(img);
        return img;
    }

    /** {@code box} of the height x width image src resized to out x out the direct way. */
    private static byte[] resized(byte[] src, int width, CropBox box, int out) {
        byte[] dst = new byte[out * out * 3];
        new BilinearResize().resize(src, 0, width, box, dst, 0, out, out);
        return dst;
    }

    @Test
    void theSourceIsNeverWrittenAndTheResultLandsAtTheDestinationOffset() {
        byte[] src = randomImage(6, 5, 1);
        byte[] original = src.clone();
        byte[] dst = new byte[4 + src.length];
        Canvas canvas = new Canvas().begin(src, 0, 6, 5, dst, 4, 6, 5);
        Solarize.solarize(canvas.pixels(), canvas.offset(), 6 * 5);
        canvas.finish();
        assertArrayEquals(original, src, "the ops changed a copy");
        byte[] expected = original.clone();
        Solarize.solarize(expected, 0, 6 * 5);
        assertArrayEquals(expected, Arrays.copyOfRange(dst, 4, dst.length));
        assertArrayEquals(new byte[4], Arrays.copyOf(dst, 4), "bytes before the destination offset untouched");
    }

    @Test
    void aMirrorAfterAResizeIsTheResizeThenTheFlip() {
        byte[] src = randomImage(30, 40, 2);
        CropBox box = new CropBox(3, 4, 15, 22);
        byte[] expected = resized(src, 40, box, 16);
        HorizontalFlip.flip(expected, 0, 16, 16);
        byte[] dst = new byte[16 * 16 * 3];
        Canvas canvas = new Canvas().begin(src, 0, 30, 40, dst, 0, 16, 16);
        canvas.resize(box, 16, 16);
        assertEquals(16, canvas.height(), "a pending resize already has its shape");
        canvas.mirror();
        canvas.finish();
        assertArrayEquals(expected, dst, "folded into the resample or not, the same bytes");

        canvas.begin(src, 0, 30, 40, dst, 0, 16, 16);
        canvas.resize(box, 16, 16);
        canvas.pixels(); // the resample runs here, so the mirror below is a pass of its own
        canvas.mirror();
        canvas.finish();
        assertArrayEquals(expected, dst, "mirroring the resampled pixels in place gives them too");
    }

    @Test
    void twoResizesRunOneAfterTheOther() {
        byte[] src = randomImage(20, 20, 3);
        byte[] first = resized(src, 20, new CropBox(2, 3, 12, 14), 10);
        byte[] expected = resized(first, 10, new CropBox(1, 1, 8, 8), 6);
        byte[] dst = new byte[6 * 6 * 3];
        Canvas canvas = new Canvas().begin(src, 0, 20, 20, dst, 0, 6, 6);
        canvas.resize(new CropBox(2, 3, 12, 14), 10, 10);
        canvas.resize(new CropBox(1, 1, 8, 8), 6, 6);
        canvas.finish();
        assertArrayEquals(expected, dst);
    }

    @Test
    void shapesOtherThanTheDestinationsGoThroughSpareBuffers() {
        byte[] src = randomImage(12, 9, 4);
        byte[] big = resized(src, 9, CropBox.full(12, 9), 18);
        byte[] dst = new byte[5 * 5 * 3];
        Canvas canvas = new Canvas().begin(src, 0, 12, 9, dst, 0, 5, 5);
        canvas.resize(CropBox.full(12, 9), 18, 18);
        canvas.crop(new CropBox(2, 3, 10, 10));
        canvas.crop(new CropBox(4, 1, 5, 5));
        canvas.finish();
        for (int y = 0; y < 5; y++) {
            assertArrayEquals(
                    Arrays.copyOfRange(big, ((6 + y) * 18 + 4) * 3, ((6 + y) * 18 + 9) * 3),
                    Arrays.copyOfRange(dst, y * 15, y * 15 + 15),
                    "row " + y + " of the crop of the crop");
        }
    }

    @Test
    void finishingAnotherShapeThanTheDestinationsFails() {
        byte[] src = randomImage(8, 8, 5);
        Canvas canvas = new Canvas().begin(src, 0, 8, 8, new byte[8 * 8 * 3], 0, 8, 8);
        canvas.resize(CropBox.full(8, 8), 4, 4);
        assertEquals(
                "the ops made a 4 x 4 image; the destination holds 8 x 8",
                assertThrows(IllegalStateException.class, canvas::finish).getMessage());
        canvas.begin(src, 0, 8, 8, new byte[8 * 8 * 3], 0, 8, 8);
        assertThrows(IllegalArgumentException.class, () -> canvas.crop(new CropBox(4, 0, 5, 8)), "box past the bottom");
        assertThrows(
                IndexOutOfBoundsException.class, () -> canvas.begin(src, 1, 8, 8, src, 0, 8, 8), "source too short");
    }

    @Test
    void scratchIsMadeOncePerTypeOnEachCanvas() {
        Canvas canvas = new Canvas();
        GaussianBlur.Workspace first = canvas.scratch(GaussianBlur.Workspace.class, GaussianBlur.Workspace::new);
        assertSame(first, canvas.scratch(GaussianBlur.Workspace.class, GaussianBlur.Workspace::new));
        BilinearResize other = canvas.scratch(BilinearResize.class, BilinearResize::new);
        assertSame(other, canvas.scratch(BilinearResize.class, BilinearResize::new));
        assertSame(
                first, canvas.scratch(GaussianBlur.Workspace.class, GaussianBlur.Workspace::new), "types kept apart");
    }
}
