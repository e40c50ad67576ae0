package io.twinview.augment.op;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GaussianBlurTest {

    private static byte[] randomImage(int height, int width, long seed) {
        byte[] img = new byte[height * width * 3];
        new SplittableRandom(seed).nextBytes(img);
        return img;
    }

    /**
     * torchvision's blur written the slow way: the full (untruncated) k x k kernel as the outer
     * product of {@code _get_gaussian_kernel1d}, reflect padding, double precision, one rounding.
     */
    private static byte[] naiveBlur(byte[] img, int height, int width, double sigma, int kernelSize) {
        int half = (kernelSize - 1) / 2;
        double[] k = new double[kernelSize];
        double total = 0;
        for (int i = 0; i < kernelSize; i++) {
            double x = i - half;
            k[i] = Math.exp(-0.5 * (x / sigma) * (x / sigma));
            total += k[i];
        }
        for (int i = 0; i < kernelSize; i++) {
            k[i] /= total;
        }
        byte[] out = new byte[img.length];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                for (int c = 0; c < 3; c++) {
                    double sum = 0;
                    for (int dy = -half; dy <= half; dy++) {
                        for (int dx = -half; dx <= half; dx++) {
                            int sy = GaussianBlur.reflect(y + dy, height);
                            int sx = GaussianBlur.reflect(x + dx, width);
                            sum += k[dy + half] * k[dx + half] * (img[(sy * width + sx) * 3 + c] & 0xFF);
                        }
                    }
                    out[(y * width + x) * 3 + c] = (byte) Math.round(sum);
                }
            }
        }
        return out;
    }

    private static void assertCloseToNaive(int height, int width, double sigma, int kernelSize, long seed) {
        byte[] img = randomImage(height, width, seed);
        byte[] expected = naiveBlur(img, height, width, sigma, kernelSize);
        GaussianBlur.blur(img, 0, height, width, sigma, kernelSize, new GaussianBlur.Workspace());
        int exact = 0;
        for (int i = 0; i < img.length; i++) {
            int diff = Math.abs((img[i] & 0xFF) - (expected[i] & 0xFF));
            assertTrue(
                    diff <= 1,
                    "sigma " + sigma + " kernel " + kernelSize + ": value " + i + " is " + (img[i] & 0xFF)
                            + ", the double-precision 2-D convolution gives " + (expected[i] & 0xFF));
            exact += diff == 0 ? 1 : 0;
        }
        assertTrue(
                exact >= 0.99 * img.length,
                "float rounding and 4-sigma truncation move under 1% of values by one level, " + (img.length - exact)
                        + " of " + img.length + " moved");
    }

    @Test
    void matchesANaiveDoublePrecision2dConvolutionWithReflectPadding() {
        assertCloseToNaive(13, 11, 1.3, 7, 1); // full kernel: radius 3 < 4 sigma
        assertCloseToNaive(9, 16, 0.6, 9, 2); // truncated at 4 sigma: 7 of 9 taps
        assertCloseToNaive(24, 24, 2.0, 23, 3); // SimCLR's 224 px kernel on a small image: radius 8 of 11
        assertCloseToNaive(4, 5, 1.0, 9, 4); // radius above the side: reflection folds twice
    }

    @Test
    void handComputedRowOfThree() {
        // sigma 1, kernel 3: weights w1 = e^-0.5 / (1 + 2 e^-0.5) = 0.27407, w0 = 1 - 2 w1 = 0.45186.
        // Row [0, 200, 0], reflect: left pixel = w0*0 + w1*(200 + 200) = 109.63 -> 110;
        // middle = w0*200 + w1*(0 + 0) = 90.37 -> 90. A one-row image reflects onto itself vertically.
        byte[] img = {0, 0, 0, (byte) 200, (byte) 200, (byte) 200, 0, 0, 0};
        GaussianBlur.blur(img, 0, 1, 3, 1.0, 3, new GaussianBlur.Workspace());
        assertArrayEquals(new byte[] {110, 110, 110, 90, 90, 90, 110, 110, 110}, img);
    }

    @Test
    void constantImageStaysThatConstant() {
        for (int value : new int[] {0, 1, 127, 254, 255}) {
            for (double sigma : new double[] {0.1, 0.7, 2.0}) {
                byte[] img = new byte[17 * 23 * 3];
                Arrays.fill(img, (byte) value);
                GaussianBlur.blur(img, 0, 17, 23, sigma, 23, new GaussianBlur.Workspace());
                for (byte b : img) {
                    assertEquals(
                            value,
                            b & 0xFF,
                            "blurring a constant " + value + " image with sigma " + sigma + " keeps it");
                }
            }
        }
    }

    @Test
    void smallestSigmaIsTheIdentityAndTheOffsetIsRespected() {
        byte[] img = randomImage(6, 6, 9);
        byte[] withMargin = new byte[img.length + 5];
        System.arraycopy(img, 0, withMargin, 5, img.length);
        GaussianBlur.blur(withMargin, 5, 6, 6, 0.1, 23, new GaussianBlur.Workspace());
        assertArrayEquals(
                img,
                Arrays.copyOfRange(withMargin, 5, withMargin.length),
                "at sigma 0.1 the neighbours weigh exp(-50): nothing moves");
        assertArrayEquals(new byte[5], Arrays.copyOf(withMargin, 5), "bytes before the offset untouched");
    }

    @Test
    void halfKernelIsNormalisedAndTruncatedAtFourSigma() {
        double[] k = GaussianBlur.halfKernel(2.0, 23);
        assertEquals(9, k.length, "radius min(11, ceil(4 * 2)) = 8: taps 0..8");
        double total = k[0];
        for (int j = 1; j < k.length; j++) {
            total += 2 * k[j];
            assertTrue(k[j] < k[j - 1], "weights fall with distance");
        }
        assertEquals(1.0, total, 1e-12, "the mirrored kernel sums to 1");
        assertEquals(Math.exp(-0.5), k[2] / k[0], 1e-12, "Gaussian shape: w(sigma) / w(0) = e^-1/2");
        assertEquals(3, GaussianBlur.halfKernel(5.0, 5).length, "kernel size 5 caps the radius at 2 whatever sigma");
    }

    @Test
    void kernelSizeIsTenPercentOfTheSideMadeOdd() {
        assertEquals(23, GaussianBlur.kernelSize(0.1, 224), "SimCLR and BYOL: int(22.4) = 22 -> 23");
        assertEquals(9, GaussianBlur.kernelSize(0.1, 96));
        assertEquals(3, GaussianBlur.kernelSize(0.1, 32));
        assertEquals(1, GaussianBlur.kernelSize(0, 224), "fraction 0 is a one-tap kernel");
    }

    @Test
    void reflectPaddingDoesNotRepeatTheEdge() {
        assertEquals(1, GaussianBlur.reflect(-1, 5));
        assertEquals(2, GaussianBlur.reflect(-2, 5));
        assertEquals(3, GaussianBlur.reflect(5, 5));
        assertEquals(4, GaussianBlur.reflect(4, 5));
        assertEquals(0, GaussianBlur.reflect(-3, 1), "one pixel reflects onto itself");
    }

    @Test
    void appliesWithTheGivenProbability() {
        // sigma >= 1.5 changes a random image, so a changed image is an applied blur
        GaussianBlur half = new GaussianBlur(0.5, 1.5, 2.0, 9);
        SplittableRandom rng = new SplittableRandom(5);
        Canvas canvas = new Canvas();
        int applied = 0;
        for (int i = 0; i < 4000; i++) {
            byte[] img = randomImage(3, 3, i);
            byte[] original = img.clone();
            half.apply(canvas.begin(img, 0, 3, 3, img, 0, 3, 3), rng);
            applied += Arrays.equals(original, img) ? 0 : 1;
        }
        assertTrue(applied > 1850 && applied < 2150, "p=0.5 blurs about 2000 of 4000, got " + applied);
        byte[] img = randomImage(8, 8, 3);
        byte[] original = img.clone();
        new GaussianBlur(0, 0.1, 2.0, 9).apply(Canvas.inPlace(img, 0, 8, 8), rng);
        assertArrayEquals(original, img, "p=0 never blurs: untouched");
        new GaussianBlur(1, 1.5, 2.0, 9).apply(Canvas.inPlace(img, 0, 8, 8), rng);
        assertFalse(Arrays.equals(original, img), "p=1 always blurs, and sigma >= 1.5 changes a random image");
    }

    @Test
    void rejectsWhatTorchvisionRejects() {
        assertThrows(IllegalArgumentException.class, () -> new GaussianBlur(0.5, 0.1, 2.0, 4), "even kernel");
        assertThrows(IllegalArgumentException.class, () -> new GaussianBlur(0.5, 0, 2.0, 3), "sigma 0");
        assertThrows(IllegalArgumentException.class, () -> new GaussianBlur(0.5, 2.0, 1.0, 3), "min above max");
        assertThrows(IllegalArgumentException.class, () -> new GaussianBlur(1.5, 0.1, 2.0, 3), "p above 1");
    }
}
