package io.twinview.eval.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.eval.TestPixels;
import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EvalTransformTest {

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void anImageAtTheRunSizePassesUnchangedWhateverItsEncoding() throws IOException {
        byte[] hwc = random(8 * 8 * 3, 1);
        byte[] chw = TestPixels.chw(hwc);
        assertArrayEquals(hwc, EvalTransform.apply(ImageInput.raw(hwc, 8, 8, 3, false), 8, 64), "raw HWC");
        assertArrayEquals(hwc, EvalTransform.apply(ImageInput.raw(chw, 8, 8, 3, true), 8, 64), "raw CHW to HWC");
        assertArrayEquals(
                hwc, EvalTransform.apply(ImageInput.encoded(TestPixels.png(hwc, 8, 8)), 8, 64), "PNG is lossless");
    }

    @Test
    void greyIsRepeatedToRgb() {
        byte[] grey = random(4, 2);
        byte[] out = EvalTransform.apply(ImageInput.raw(grey, 2, 2, 1, false), 2, 64);
        for (int p = 0; p < 4; p++) {
            for (int c = 0; c < 3; c++) {
                assertEquals(grey[p], out[p * 3 + c], "pixel " + p + " channel " + c);
            }
        }
    }

    @Test
    void otherSizesAreResizedOnTheShorterSideAndCentreCropped() {
        // 4 rows x 8 columns: left half black, right half white, the centre 4x4 straddles the edge
        byte[] hwc = new byte[4 * 8 * 3];
        for (int y = 0; y < 4; y++) {
            for (int x = 4; x < 8; x++) {
                for (int c = 0; c < 3; c++) {
                    hwc[(y * 8 + x) * 3 + c] = (byte) 255;
                }
            }
        }
        byte[] out = EvalTransform.apply(ImageInput.raw(hwc, 4, 8, 3, false), 2, 64);
        assertEquals(2 * 2 * 3, out.length, "a 2x2 RGB image");
        assertEquals(0, out[0] & 0xff, "left of the centre crop stays black");
        assertEquals(255, out[3] & 0xff, "right of the centre crop stays white");
    }

    @Test
    void badImagesSayWhatIsWrong() {
        assertTrue(
                refused(ImageInput.encoded(new byte[] {1, 2, 3})).getMessage().contains("not a PNG or JPEG"));
        assertTrue(refused(ImageInput.raw(new byte[5], 2, 2, 3, false))
                .getMessage()
                .contains("needs 12 bytes but has 5"));
        assertTrue(refused(ImageInput.raw(new byte[8], 2, 2, 2, false))
                .getMessage()
                .contains("allowed: 1 (grey) or 3 (RGB)"));
        assertTrue(refused(ImageInput.raw(new byte[0], 0, 2, 3, false))
                .getMessage()
                .contains("not positive"));
        assertTrue(refused(ImageInput.raw(new byte[100 * 100 * 3], 100, 100, 3, false))
                .getMessage()
                .contains("at most 64 per side"));
    }

    private static EvalTransform.BadImageException refused(ImageInput image) {
        return assertThrows(
                EvalTransform.BadImageException.class, () -> EvalTransform.apply(image, 8, 64), "refused: " + image);
    }
}
