package io.twinview.augment.op;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ResizeCenterCropTest {

    /** An image whose pixel (y, x) is (y, x, 7). */
    private static byte[] coordinates(int height, int width) {
        byte[] img = new byte[height * width * 3];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int p = (y * width + x) * 3;
                img[p] = (byte) y;
                img[p + 1] = (byte) x;
                img[p + 2] = 7;
            }
        }
        return img;
    }

    /** Writes the op's output for the height x width image src at the start of out. */
    private static void apply(ResizeCenterCrop op, byte[] src, int height, int width, byte[] out) {
        Canvas canvas = new Canvas().begin(src, 0, height, width, out, 0, op.cropSize(), op.cropSize());
        op.apply(canvas, new SplittableRandom(0));
        canvas.finish();
    }

    @Test
    void centreCropRoundsItsOffsetHalfToEvenLikePython() {
        // shorter side already the resize size: no resampling; left = round((7 - 4) / 2) = round(1.5) = 2
        byte[] out = new byte[4 * 4 * 3];
        apply(new ResizeCenterCrop(4, 4), coordinates(4, 7), 4, 7, out);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                int p = (y * 4 + x) * 3;
                assertEquals(y, out[p], "rows 0..3 kept");
                assertEquals(x + 2, out[p + 1], "columns 2..5: round(1.5) is 2, as torchvision's F.center_crop");
            }
        }
        apply(new ResizeCenterCrop(4, 2), coordinates(6, 4), 6, 4, out);
        assertArrayEquals(
                new byte[] {2, 1, 7, 2, 2, 7, 3, 1, 7, 3, 2, 7},
                Arrays.copyOf(out, 12),
                "2x2 centre of 6x4: top round(2.0) = 2, left round(1.0) = 1");
    }

    @Test
    void resizesTheShorterSideThenCropsTheCentreOfTheResizedImage() {
        byte[] src = new byte[10 * 20 * 3];
        new SplittableRandom(3).nextBytes(src);
        // shorter side 10 -> 5, longer int(5 * 20 / 10) = 10; centre 4x4 at top round(0.5) = 0, left 3
        byte[] resized = new byte[5 * 10 * 3];
        new BilinearResize().resize(src, 0, 20, CropBox.full(10, 20), resized, 0, 5, 10);
        byte[] out = new byte[4 * 4 * 3];
        apply(new ResizeCenterCrop(5, 4), src, 10, 20, out);
        for (int y = 0; y < 4; y++) {
            assertArrayEquals(
                    Arrays.copyOfRange(resized, (y * 10 + 3) * 3, (y * 10 + 7) * 3),
                    Arrays.copyOfRange(out, y * 12, y * 12 + 12),
                    "output row " + y + " is resized row " + y + ", columns 3..6");
        }
    }

    @Test
    void constantImageStaysConstantAtEverySize() {
        byte[] src = new byte[33 * 47 * 3];
        Arrays.fill(src, (byte) 201);
        for (int[] sizes : new int[][] {{32, 32}, {36, 32}, {256, 224}, {20, 17}}) {
            ResizeCenterCrop op = new ResizeCenterCrop(sizes[0], sizes[1]);
            byte[] out = new byte[op.outputBytes()];
            apply(op, src, 33, 47, out);
            for (byte b : out) {
                assertEquals(
                        201,
                        b & 0xFF,
                        "resize " + sizes[0] + " crop " + sizes[1] + " of a constant image is that constant");
            }
        }
    }

    @Test
    void cropLargerThanTheResizedSideIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new ResizeCenterCrop(224, 256));
        assertThrows(IllegalArgumentException.class, () -> new ResizeCenterCrop(32, 0));
    }
}
