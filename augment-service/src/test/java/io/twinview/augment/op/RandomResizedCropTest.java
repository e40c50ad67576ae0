package io.twinview.augment.op;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RandomResizedCropTest {

    private static byte[] randomImage(int height, int width, long seed) {
        byte[] img = new byte[height * width * 3];
        new SplittableRandom(seed).nextBytes(img);
        return img;
    }

    @Test
    void boxesRespectScaleAndAspectBoundsOverManySamples() {
        RandomResizedCrop crop = new RandomResizedCrop(0.08, 1.0, 3.0 / 4, 4.0 / 3, 32);
        SplittableRandom rng = new SplittableRandom(42);
        double minFraction = 1;
        double maxFraction = 0;
        double minRatio = 10;
        double maxRatio = 0;
        for (int i = 0; i < 20_000; i++) {
            CropBox box = crop.sampleBox(32, 32, rng);
            assertTrue(
                    box.top() + box.height() <= 32 && box.left() + box.width() <= 32, "box inside the image: " + box);
            // each side is the rounded true side, so the true area and ratio lie within half a pixel
            double fraction = box.height() * box.width() / 1024.0;
            double ratio = (double) box.width() / box.height();
            double w = box.width();
            double h = box.height();
            assertTrue(
                    (w + 0.5) * (h + 0.5) >= 0.08 * 1024 && (w - 0.5) * (h - 0.5) <= 1024,
                    "area fraction " + fraction + " within [0.08, 1] up to rounding: " + box);
            assertTrue(
                    (w + 0.5) / (h - 0.5) >= 0.75 && (w - 0.5) / (h + 0.5) <= 4.0 / 3,
                    "aspect " + ratio + " within [3/4, 4/3] up to rounding: " + box);
            minFraction = Math.min(minFraction, fraction);
            maxFraction = Math.max(maxFraction, fraction);
            minRatio = Math.min(minRatio, ratio);
            maxRatio = Math.max(maxRatio, ratio);
        }
        assertTrue(minFraction < 0.1, "small crops near scale 0.08 occur, smallest " + minFraction);
        assertEquals(1.0, maxFraction, "the whole image is sometimes kept");
        assertTrue(minRatio < 0.8 && maxRatio > 1.25, "both aspect extremes occur: " + minRatio + " .. " + maxRatio);
    }

    @Test
    void cropPositionIsUniformOverValidOffsets() {
        RandomResizedCrop crop = new RandomResizedCrop(0.25, 0.25, 1, 1, 8);
        SplittableRandom rng = new SplittableRandom(9);
        int[] tops = new int[17];
        for (int i = 0; i < 17_000; i++) {
            CropBox box = crop.sampleBox(32, 32, rng);
            assertEquals(16, box.height(), "sqrt(0.25 * 1024) = 16");
            tops[box.top()]++;
        }
        for (int t = 0; t <= 16; t++) {
            assertTrue(tops[t] > 800 && tops[t] < 1200, "top " + t + " drawn about 1000 times, got " + tops[t]);
        }
    }

    @Test
    void impossibleBoundsFallBackToTorchvisionsCentreCrop() {
        // ratio 3..4 cannot fit at area >= 0.9 of a square: every attempt fails
        RandomResizedCrop wide = new RandomResizedCrop(0.9, 1.0, 3, 4, 32);
        assertEquals(
                new CropBox(10, 0, 11, 32),
                wide.sampleBox(32, 32, new SplittableRandom(1)),
                "square image narrower than ratio 3: full width, height round(32/3)=11, top (32-11)//2=10");
        RandomResizedCrop tall = new RandomResizedCrop(0.9, 1.0, 0.25, 0.3, 32);
        assertEquals(
                new CropBox(0, 11, 32, 10),
                tall.sampleBox(32, 32, new SplittableRandom(1)),
                "ratio above 0.3: full height, width round(32*0.3)=10, centred");
        RandomResizedCrop any = new RandomResizedCrop(0.08, 1, 0.75, 4.0 / 3, 32);
        assertEquals(new CropBox(0, 0, 20, 20), any.centreCrop(20, 20), "ratio within bounds: the whole image");
    }

    @Test
    void fullCropAtTheSameSizeIsIdentity() {
        byte[] src = randomImage(32, 32, 3);
        byte[] dst = new byte[7 + 32 * 32 * 3];
        RandomResizedCrop crop = new RandomResizedCrop(1, 1, 1, 1, 32);
        assertEquals(
                CropBox.full(32, 32),
                crop.sampleBox(32, 32, new SplittableRandom(5)),
                "scale 1 and ratio 1 select the whole image");
        Canvas canvas = new Canvas().begin(src, 0, 32, 32, dst, 7, 32, 32);
        crop.apply(canvas, new SplittableRandom(5));
        canvas.finish();
        byte[] out = new byte[32 * 32 * 3];
        System.arraycopy(dst, 7, out, 0, out.length);
        assertArrayEquals(src, out, "resampling 32 -> 32 px reproduces every pixel");
    }

    @Test
    void upscalingInterpolatesBetweenPixelCentres() {
        // 1x2 row [0, 100] to 1x4: centres at 0.25, 0.75, 1.25, 1.75 source px
        byte[] src = {0, 0, 0, 100, 100, 100};
        byte[] dst = new byte[4 * 3];
        new BilinearResize().resize(src, 0, 2, CropBox.full(1, 2), dst, 0, 1, 4);
        assertArrayEquals(
                new byte[] {0, 0, 0, 25, 25, 25, 75, 75, 75, 100, 100, 100},
                dst,
                "edge pixels clamp, inner ones weigh 3:1 and 1:3");
    }

    @Test
    void downscalingAntialiasesWithAWidenedTriangleLikePil() {
        // 1x4 row [0, 40, 80, 120] to 1x2: scale 2, support 2 source px; out 0 weighs x=0,1,2 by 0.75, 0.75, 0.25
        byte[] src = {0, 0, 0, 40, 40, 40, 80, 80, 80, 120, 120, 120};
        byte[] dst = new byte[2 * 3];
        new BilinearResize().resize(src, 0, 4, CropBox.full(1, 4), dst, 0, 1, 2);
        // (0*.75 + 40*.75 + 80*.25)/1.75 = 28.57; (40*.25 + 80*.75 + 120*.75)/1.75 = 91.43
        assertArrayEquals(new byte[] {29, 29, 29, 91, 91, 91}, dst);
    }

    @Test
    void resizingAConstantCropGivesTheConstantAtAnySize() {
        byte[] src = new byte[20 * 30 * 3];
        for (int i = 0; i < src.length; i += 3) {
            src[i] = 17;
            src[i + 1] = (byte) 130;
            src[i + 2] = (byte) 250;
        }
        BilinearResize resize = new BilinearResize();
        for (int out : new int[] {1, 5, 13, 32, 64, 97}) {
            byte[] dst = new byte[out * out * 3];
            resize.resize(src, 0, 30, new CropBox(3, 4, 15, 22), dst, 0, out, out);
            for (int i = 0; i < dst.length; i += 3) {
                assertArrayEquals(
                        new byte[] {17, (byte) 130, (byte) 250},
                        new byte[] {dst[i], dst[i + 1], dst[i + 2]},
                        "weights sum to 1 at every output pixel of a " + out + " px output");
            }
        }
    }

    @Test
    void cropReadsOnlyInsideTheBox() {
        // image black except a white box; resampling that box must give pure white
        byte[] src = new byte[10 * 10 * 3];
        for (int y = 2; y < 6; y++) {
            for (int x = 3; x < 8; x++) {
                for (int c = 0; c < 3; c++) {
                    src[(y * 10 + x) * 3 + c] = (byte) 255;
                }
            }
        }
        byte[] dst = new byte[9 * 9 * 3];
        new BilinearResize().resize(src, 0, 10, new CropBox(2, 3, 4, 5), dst, 0, 9, 9);
        for (byte b : dst) {
            assertEquals((byte) 255, b, "no weight leaks from pixels outside the crop box");
        }
    }

    @Test
    void rejectsBoundsTorchvisionWouldNotSample() {
        assertThrows(IllegalArgumentException.class, () -> new RandomResizedCrop(0, 1, 0.75, 1.33, 32));
        assertThrows(IllegalArgumentException.class, () -> new RandomResizedCrop(0.5, 0.4, 0.75, 1.33, 32));
        assertThrows(IllegalArgumentException.class, () -> new RandomResizedCrop(0.08, 1, 2, 1, 32));
        assertThrows(IllegalArgumentException.class, () -> new RandomResizedCrop(0.08, 1, 0.75, 1.33, 0));
    }

    @Test
    void mirroredResizeIsResizeThenFlip() {
        byte[] src = new byte[30 * 40 * 3];
        new SplittableRandom(8).nextBytes(src);
        BilinearResize resize = new BilinearResize();
        for (int[] c : new int[][] {{3, 4, 15, 22, 16}, {0, 0, 30, 40, 32}, {5, 9, 7, 3, 24}, {1, 2, 28, 35, 9}}) {
            CropBox box = new CropBox(c[0], c[1], c[2], c[3]);
            int out = c[4];
            byte[] expected = new byte[out * out * 3];
            resize.resize(src, 0, 40, box, expected, 0, out, out);
            HorizontalFlip.flip(expected, 0, out, out);
            byte[] mirrored = new byte[out * out * 3];
            resize.resize(src, 0, 40, box, mirrored, 0, out, out, true);
            assertArrayEquals(
                    expected, mirrored, "the mirrored write of " + box + " at " + out + " px is the flipped resize");
        }
    }
}
