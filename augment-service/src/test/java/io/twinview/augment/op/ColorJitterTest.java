package io.twinview.augment.op;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ColorJitterTest {

    private static byte[] rgb(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    private static void assertPixelNear(int[] expected, byte[] img, int pixel, int tolerance, String why) {
        for (int c = 0; c < 3; c++) {
            int got = img[3 * pixel + c] & 0xFF;
            assertTrue(
                    Math.abs(got - expected[c]) <= tolerance,
                    why + ": channel " + c + " expected " + expected[c] + " +-" + tolerance + ", got " + got);
        }
    }

    @Test
    void brightnessScalesEveryChannelAndClamps() {
        byte[] img = rgb(100, 50, 200, 1, 3, 0);
        ColorJitter.adjustBrightness(img, 0, 2, 1.5);
        assertArrayEquals(rgb(150, 75, 255, 2, 5, 0), img, "x*1.5 rounded half up, 300 clamped to 255");
        ColorJitter.adjustBrightness(img, 0, 2, 0.0);
        assertArrayEquals(rgb(0, 0, 0, 0, 0, 0), img, "factor 0 is black");
    }

    @Test
    void contrastBlendsWithTheMeanLumaOfTheImage() {
        // lumas: black 0, white 255 -> mean 127.5
        byte[] img = rgb(0, 0, 0, 255, 255, 255);
        ColorJitter.adjustContrast(img, 0, 2, 0.5);
        // 0.5*0 + 0.5*127.5 = 63.75 -> 64; 0.5*255 + 63.75 = 191.25 -> 191
        assertArrayEquals(rgb(64, 64, 64, 191, 191, 191), img);
        byte[] flat = rgb(10, 200, 30, 90, 90, 90);
        ColorJitter.adjustContrast(flat, 0, 2, 0.0);
        // luma(10,200,30) = 2.99+117.4+3.42 = 123.81; mean with 90 = 106.9
        assertArrayEquals(rgb(107, 107, 107, 107, 107, 107), flat, "factor 0 gives the mean gray everywhere");
    }

    @Test
    void saturationBlendsEachPixelWithItsOwnLuma() {
        byte[] img = rgb(100, 150, 200); // luma 140.75
        ColorJitter.adjustSaturation(img, 0, 1, 0.0);
        assertArrayEquals(rgb(141, 141, 141), img, "factor 0 is grayscale");
        byte[] more = rgb(100, 150, 200);
        ColorJitter.adjustSaturation(more, 0, 1, 2.0);
        // 2x - 140.75: 59.25, 159.25, 259.25 -> 59, 159, 255
        assertArrayEquals(rgb(59, 159, 255), more);
    }

    @Test
    void hueShiftOfAThirdTurnsRedIntoGreenAndGreenIntoBlue() {
        byte[] img = rgb(255, 0, 0, 0, 255, 0, 0, 0, 255);
        ColorJitter.adjustHue(img, 0, 3, 1.0 / 3.0);
        assertArrayEquals(
                rgb(0, 255, 0), Arrays.copyOf(img, 3), "pure red shifted by a third of a turn is exactly pure green");
        assertPixelNear(new int[] {0, 255, 0}, img, 0, 1, "red + 1/3 turn");
        assertPixelNear(new int[] {0, 0, 255}, img, 1, 1, "green + 1/3 turn");
        assertPixelNear(new int[] {255, 0, 0}, img, 2, 1, "blue + 1/3 turn");

        byte[] back = rgb(255, 0, 0);
        ColorJitter.adjustHue(back, 0, 1, -1.0 / 3.0);
        assertPixelNear(new int[] {0, 0, 255}, back, 0, 1, "red - 1/3 turn wraps to blue");
        byte[] half = rgb(255, 0, 0);
        ColorJitter.adjustHue(half, 0, 1, 0.5);
        assertPixelNear(new int[] {0, 255, 255}, half, 0, 1, "red + 1/2 turn is cyan");
    }

    /** torchvision's {@code _rgb2hsv}, hue shift, {@code _hsv2rgb} in double precision, rounded once. */
    private static int[] naiveHueShift(int r, int g, int b, double shift) {
        double max = Math.max(r, Math.max(g, b));
        double min = Math.min(r, Math.min(g, b));
        if (max == min) {
            return new int[] {r, g, b};
        }
        double c = max - min;
        double h = max == r ? (g - b) / c : max == g ? 2 + (b - r) / c : 4 + (r - g) / c;
        h = h / 6 + shift;
        h -= Math.floor(h);
        double s = c / max;
        int i = (int) Math.floor(h * 6) % 6;
        double f = h * 6 - Math.floor(h * 6);
        double p = max * (1 - s);
        double q = max * (1 - s * f);
        double t = max * (1 - s * (1 - f));
        double[][] table = {{max, t, p}, {q, max, p}, {p, max, t}, {p, q, max}, {t, p, max}, {max, p, q}};
        return new int[] {(int) Math.round(table[i][0]), (int) Math.round(table[i][1]), (int) Math.round(table[i][2])};
    }

    @Test
    void hueShiftMatchesTorchvisionsSixCaseFormulaInDoublePrecision() {
        SplittableRandom rng = new SplittableRandom(11);
        int exact = 0;
        int n = 20000;
        for (int k = 0; k < n; k++) {
            int r = rng.nextInt(256);
            int g = rng.nextInt(256);
            int b = rng.nextInt(256);
            double shift = rng.nextDouble() - 0.5;
            byte[] img = rgb(r, g, b);
            ColorJitter.adjustHue(img, 0, 1, shift);
            int[] expected = naiveHueShift(r, g, b, shift);
            boolean same = true;
            for (int c = 0; c < 3; c++) {
                int diff = Math.abs((img[c] & 0xFF) - expected[c]);
                assertTrue(
                        diff <= 1,
                        "(" + r + ", " + g + ", " + b + ") shifted " + shift + ": channel " + c + " is "
                                + (img[c] & 0xFF) + ", the double-precision formula gives " + expected[c]);
                same &= diff == 0;
            }
            exact += same ? 1 : 0;
        }
        assertTrue(
                exact >= 0.999 * n,
                "float arithmetic differs from double precision only at rounding ties, " + (n - exact) + " of " + n
                        + " pixels differ");
    }

    @Test
    void hueShiftKeepsValueAndChromaAndZeroShiftIsIdentity() {
        byte[] img = new byte[3 * 4096];
        new SplittableRandom(11).nextBytes(img);
        byte[] original = img.clone();
        ColorJitter.adjustHue(img, 0, 4096, 0.0);
        assertArrayEquals(original, img, "a zero shift changes no pixel");
        ColorJitter.adjustHue(img, 0, 4096, 0.23);
        for (int p = 0; p < 4096; p++) {
            int[] before = {original[3 * p] & 0xFF, original[3 * p + 1] & 0xFF, original[3 * p + 2] & 0xFF};
            int[] after = {img[3 * p] & 0xFF, img[3 * p + 1] & 0xFF, img[3 * p + 2] & 0xFF};
            assertTrue(
                    Math.abs(max(before) - max(after)) <= 1 && Math.abs(min(before) - min(after)) <= 1,
                    "HSV hue rotation keeps max (V) and min (V(1-S)) of pixel " + p);
        }
    }

    @Test
    void grayPixelsHaveNoHueToShift() {
        byte[] img = rgb(0, 0, 0, 128, 128, 128, 255, 255, 255);
        ColorJitter.adjustHue(img, 0, 3, 0.4);
        assertArrayEquals(rgb(0, 0, 0, 128, 128, 128, 255, 255, 255), img);
    }

    @Test
    void randomOrderIsAPermutationAndAll24Occur() {
        SplittableRandom rng = new SplittableRandom(2);
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            int order = ColorJitter.randomOrder(rng);
            int mask = 0;
            for (int k = 0; k < 4; k++) {
                mask |= 1 << ((order >>> (4 * k)) & 0xF);
            }
            assertEquals(
                    0xF,
                    mask,
                    "each of brightness, contrast, saturation, hue appears once: " + Integer.toHexString(order));
            seen.add(order);
        }
        assertEquals(24, seen.size(), "every order of the four adjustments occurs");
    }

    @Test
    void brightnessFactorsSpanOneMinusToOnePlusStrength() {
        SplittableRandom rng = new SplittableRandom(4);
        ColorJitter jitter = new ColorJitter(0.4, 0, 0, 0);
        double lowest = 2;
        double highest = 0;
        for (int i = 0; i < 5000; i++) {
            byte[] img = rgb(100, 100, 100);
            jitter.apply(Canvas.inPlace(img, 0, 1, 1), rng);
            double factor = (img[0] & 0xFF) / 100.0;
            lowest = Math.min(lowest, factor);
            highest = Math.max(highest, factor);
        }
        assertTrue(lowest >= 0.595 && lowest < 0.62, "factors reach down to 1-0.4, lowest seen " + lowest);
        assertTrue(highest <= 1.405 && highest > 1.38, "factors reach up to 1+0.4, highest seen " + highest);
    }

    @Test
    void zeroStrengthsChangeNothing() {
        byte[] img = new byte[300];
        new SplittableRandom(6).nextBytes(img);
        byte[] original = img.clone();
        new ColorJitter(0, 0, 0, 0).apply(Canvas.inPlace(img, 0, 10, 10), new SplittableRandom(1));
        assertArrayEquals(original, img);
    }

    @Test
    void rejectsStrengthsTorchvisionRejects() {
        assertThrows(IllegalArgumentException.class, () -> new ColorJitter(-0.1, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new ColorJitter(0, 0, 0, 0.6));
        assertThrows(IllegalArgumentException.class, () -> new ColorJitter(0, Double.NaN, 0, 0));
    }

    private static int max(int[] v) {
        return Math.max(v[0], Math.max(v[1], v[2]));
    }

    private static int min(int[] v) {
        return Math.min(v[0], Math.min(v[1], v[2]));
    }
}
