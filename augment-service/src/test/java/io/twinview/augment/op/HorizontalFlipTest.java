package io.twinview.augment.op;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HorizontalFlipTest {

    @Test
    void flipsATwoByTwoImageLeftToRightKeepingChannelsTogether() {
        byte[] img = {
            1, 2, 3, 4, 5, 6, // row 0: A B
            7, 8, 9, 10, 11, 12
        }; // row 1: C D
        HorizontalFlip.flip(img, 0, 2, 2);
        assertArrayEquals(
                new byte[] {
                    4, 5, 6, 1, 2, 3, // B A
                    10, 11, 12, 7, 8, 9
                }, // D C
                img,
                "each row mirrored, RGB triplets intact");
    }

    @Test
    void flipsOddWidthsAroundTheMiddlePixelAndRespectsTheOffset() {
        byte[] img = {99, 1, 1, 1, 2, 2, 2, 3, 3, 3};
        HorizontalFlip.flip(img, 1, 1, 3);
        assertArrayEquals(
                new byte[] {99, 3, 3, 3, 2, 2, 2, 1, 1, 1}, img, "middle pixel stays, byte before offset untouched");
    }

    @Test
    void flippingTwiceIsIdentity() {
        byte[] img = new byte[5 * 7 * 3];
        new SplittableRandom(1).nextBytes(img);
        byte[] original = img.clone();
        HorizontalFlip.flip(img, 0, 5, 7);
        HorizontalFlip.flip(img, 0, 5, 7);
        assertArrayEquals(original, img);
    }

    @Test
    void probabilityZeroNeverFlipsOneAlwaysFlipsHalfAboutHalf() {
        byte[] img = {1, 1, 1, 2, 2, 2};
        Canvas canvas = Canvas.inPlace(img, 0, 1, 2);
        SplittableRandom rng = new SplittableRandom(3);
        for (int i = 0; i < 100; i++) {
            byte first = img[0];
            new HorizontalFlip(0).apply(canvas, rng);
            assertEquals(first, img[0], "p=0 never flips");
            new HorizontalFlip(1).apply(canvas, rng);
            assertNotEquals(first, img[0], "p=1 always flips");
        }
        int flips = 0;
        for (int i = 0; i < 10_000; i++) {
            byte first = img[0];
            new HorizontalFlip(0.5).apply(canvas, rng);
            flips += img[0] != first ? 1 : 0;
        }
        assertTrue(flips > 4800 && flips < 5200, "p=0.5 flips about half the time, got " + flips + " / 10000");
    }
}
