package io.twinview.augment.op;

import java.util.SplittableRandom;

/**
 * torchvision {@code ColorJitter(brightness, contrast, saturation, hue)}
 * (torchvision/transforms/transforms.py and functional_tensor.py): factors drawn as
 * {@code ColorJitter.get_params} draws them, brightness, contrast and saturation factors uniform
 * in {@code [max(0, 1 - s), 1 + s]} and the hue shift uniform in {@code [-h, h]} (a zero strength
 * disables that adjustment), then the four adjustments applied in a uniformly random order:
 * <ul>
 *   <li>brightness: {@code x * f}</li>
 *   <li>contrast: {@code f * x + (1 - f) * mean}, mean = the image's mean luma</li>
 *   <li>saturation: {@code f * x + (1 - f) * luma(pixel)}</li>
 *   <li>hue: RGB to HSV, {@code h = (h + shift) mod 1}, back to RGB</li>
 * </ul>
 * Each adjustment clamps to 0..255 and rounds to uint8, like torchvision does between
 * adjustments on uint8 images. Deviations: we round to nearest where torchvision's tensor path
 * truncates (no systematic darkening), and the contrast mean is the exact float mean of exact
 * luma (torchvision truncates luma to uint8 first; PIL rounds the mean to an integer).
 */
public final class ColorJitter {

    static final int BRIGHTNESS = 0;
    static final int CONTRAST = 1;
    static final int SATURATION = 2;
    static final int HUE = 3;

    private final double brightness;
    private final double contrast;
    private final double saturation;
    private final double hue;

    public ColorJitter(double brightness, double contrast, double saturation, double hue) {
        checkStrength("brightness", brightness);
        checkStrength("contrast", contrast);
        checkStrength("saturation", saturation);
        if (!(hue >= 0 && hue <= 0.5)) {
            throw new IllegalArgumentException("hue must be in [0, 0.5], got " + hue);
        }
        this.brightness = brightness;
        this.contrast = contrast;
        this.saturation = saturation;
        this.hue = hue;
    }

    private static void checkStrength(String name, double value) {
        if (!(value >= 0 && Double.isFinite(value))) {
            throw new IllegalArgumentException(name + " must be a finite number >= 0, got " + value);
        }
    }

    /** Jitters {@code pixels} uint8 RGB pixels at offset in place. */
    public void apply(byte[] img, int offset, int pixels, SplittableRandom rng) {
        // get_params: the permutation first, then the factors in b, c, s, h order
        int order = randomOrder(rng);
        double b = brightness > 0 ? RandomResizedCrop.uniform(rng, Math.max(0, 1 - brightness), 1 + brightness) : 1;
        double c = contrast > 0 ? RandomResizedCrop.uniform(rng, Math.max(0, 1 - contrast), 1 + contrast) : 1;
        double s = saturation > 0 ? RandomResizedCrop.uniform(rng, Math.max(0, 1 - saturation), 1 + saturation) : 1;
        double h = hue > 0 ? RandomResizedCrop.uniform(rng, -hue, hue) : 0;
        for (int k = 0; k < 4; k++) {
            switch ((order >>> (4 * k)) & 0xF) {
                case BRIGHTNESS -> {
                    if (brightness > 0) {
                        adjustBrightness(img, offset, pixels, b);
                    }
                }
                case CONTRAST -> {
                    if (contrast > 0) {
                        adjustContrast(img, offset, pixels, c);
                    }
                }
                case SATURATION -> {
                    if (saturation > 0) {
                        adjustSaturation(img, offset, pixels, s);
                    }
                }
                default -> {
                    if (hue > 0) {
                        adjustHue(img, offset, pixels, h);
                    }
                }
            }
        }
    }

    /**
     * A uniformly random permutation of 0..3 ({@code torch.randperm(4)}) by Fisher-Yates, packed
     * as four 4-bit fields, element k in bits 4k..4k+3 (no allocation).
     */
    static int randomOrder(SplittableRandom rng) {
        int packed = 0x3210;
        for (int i = 3; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int a = (packed >>> (4 * i)) & 0xF;
            int b = (packed >>> (4 * j)) & 0xF;
            packed &= ~((0xF << (4 * i)) | (0xF << (4 * j)));
            packed |= (b << (4 * i)) | (a << (4 * j));
        }
        return packed;
    }

    /** {@code F.adjust_brightness}: blend with black, {@code x * factor}. */
    public static void adjustBrightness(byte[] img, int offset, int pixels, double factor) {
        float f = (float) factor;
        for (int i = offset, end = offset + 3 * pixels; i < end; i++) {
            img[i] = Pixels.toUint8((img[i] & 0xFF) * f);
        }
    }

    /** {@code F.adjust_contrast}: blend with the mean luma of the whole image. */
    public static void adjustContrast(byte[] img, int offset, int pixels, double factor) {
        int end = offset + 3 * pixels;
        double sum = 0;
        for (int i = offset; i < end; i += 3) {
            sum += Pixels.lumaExact(img[i] & 0xFF, img[i + 1] & 0xFF, img[i + 2] & 0xFF);
        }
        float f = (float) factor;
        float add = (float) ((1 - factor) * sum / pixels);
        for (int i = offset; i < end; i++) {
            img[i] = Pixels.toUint8(f * (img[i] & 0xFF) + add);
        }
    }

    /** {@code F.adjust_saturation}: blend each pixel with its own luma. */
    public static void adjustSaturation(byte[] img, int offset, int pixels, double factor) {
        float f = (float) factor;
        float g = 1 - f;
        for (int i = offset, end = offset + 3 * pixels; i < end; i += 3) {
            int r = img[i] & 0xFF;
            int gr = img[i + 1] & 0xFF;
            int b = img[i + 2] & 0xFF;
            float gray = g * Pixels.lumaExact(r, gr, b);
            img[i] = Pixels.toUint8(f * r + gray);
            img[i + 1] = Pixels.toUint8(f * gr + gray);
            img[i + 2] = Pixels.toUint8(f * b + gray);
        }
    }

    /**
     * {@code F.adjust_hue}: rotates hue by {@code shift} turns (in [-0.5, 0.5]) in HSV space,
     * with torchvision's {@code _rgb2hsv} / {@code _hsv2rgb} formulas. Gray pixels (max = min)
     * have no hue and stay as they are.
     */
    public static void adjustHue(byte[] img, int offset, int pixels, double shift) {
        float hueShift = (float) shift;
        for (int i = offset, end = offset + 3 * pixels; i < end; i += 3) {
            int r = img[i] & 0xFF;
            int g = img[i + 1] & 0xFF;
            int b = img[i + 2] & 0xFF;
            int max = Math.max(r, Math.max(g, b));
            int min = Math.min(r, Math.min(g, b));
            if (max == min) {
                continue;
            }
            float chroma = max - min;
            float h;
            if (max == r) {
                h = (g - b) / chroma;             // bc - gc
            } else if (max == g) {
                h = 2f + (b - r) / chroma;        // 2 + rc - bc
            } else {
                h = 4f + (r - g) / chroma;        // 4 + gc - rc
            }
            h = h / 6f + hueShift;
            h -= (float) Math.floor(h);           // (h + shift) mod 1, in [0, 1)
            // HSV -> RGB with v = max, s = chroma / max: p = v(1-s) = min
            float h6 = h * 6f;
            int sector = (int) h6;
            float frac = h6 - sector;
            if (sector > 5) { // h a hair below 0 wrapped to exactly 1.0f: the end of sector 5
                sector = 5;
                frac = 1f;
            }
            float v = max;
            float p = min;
            float q = max - chroma * frac;          // v(1 - s f)
            float t = min + chroma * frac;          // v(1 - s (1 - f))
            float rr;
            float gg;
            float bb;
            switch (sector) {
                case 0 -> { rr = v; gg = t; bb = p; }
                case 1 -> { rr = q; gg = v; bb = p; }
                case 2 -> { rr = p; gg = v; bb = t; }
                case 3 -> { rr = p; gg = q; bb = v; }
                case 4 -> { rr = t; gg = p; bb = v; }
                default -> { rr = v; gg = p; bb = q; }
            }
            img[i] = Pixels.toUint8(rr);
            img[i + 1] = Pixels.toUint8(gg);
            img[i + 2] = Pixels.toUint8(bb);
        }
    }
}
