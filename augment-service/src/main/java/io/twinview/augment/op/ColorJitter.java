package io.twinview.augment.op;

import java.util.SplittableRandom;

/**
 * torchvision {@code ColorJitter(brightness, contrast, saturation, hue)}
 * (torchvision/transforms/transforms.py and functional_tensor.py), as SimCLR applies it with
 * p=0.8 at colour strength s: (0.8s, 0.8s, 0.8s, 0.2s), s=1 on ImageNet and 0.5 on CIFAR
 * (https://arxiv.org/abs/2002.05709, appendix A); MoCo v1 (0.4, 0.4, 0.4, 0.4) always
 * (https://arxiv.org/abs/1911.05722); MoCo v2 (0.4, 0.4, 0.4, 0.1) with p=0.8
 * (https://arxiv.org/abs/2003.04297); BYOL (0.4, 0.4, 0.2, 0.1) with p=0.8
 * (https://arxiv.org/abs/2006.07733, table 6). Factors drawn as
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
 * truncates (no systematic darkening), and the contrast mean is the exact mean of exact
 * luma (torchvision truncates luma to uint8 first; PIL rounds the mean to an integer); the hue
 * rotation is 16-bit fixed point, within 0.002 levels of the exact value before rounding (see
 * {@link #adjustHue}).
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

    /**
     * {@code F.adjust_brightness}: blend with black, {@code x * factor}; through a 256-entry
     * table, since the result depends on the value alone.
     */
    public static void adjustBrightness(byte[] img, int offset, int pixels, double factor) {
        float f = (float) factor;
        byte[] table = new byte[256];
        for (int v = 0; v < 256; v++) {
            table[v] = Pixels.toUint8(v * f);
        }
        lookUp(img, offset, 3 * pixels, table);
    }

    /**
     * {@code F.adjust_contrast}: blend with the mean luma of the whole image. The mean is exact
     * (integer sum of the fixed-point lumas); the blend goes through a 256-entry table.
     */
    public static void adjustContrast(byte[] img, int offset, int pixels, double factor) {
        int end = offset + 3 * pixels;
        long sum = 0; // at most 255 * 65536 per pixel: a long holds 2^31 pixels
        for (int i = offset; i < end; i += 3) {
            sum += (img[i] & 0xFF) * Pixels.LUMA_R + (img[i + 1] & 0xFF) * Pixels.LUMA_G + (img[i + 2] & 0xFF) * Pixels.LUMA_B;
        }
        double mean = sum / 65536.0 / pixels;
        float f = (float) factor;
        float add = (float) ((1 - factor) * mean);
        byte[] table = new byte[256];
        for (int v = 0; v < 256; v++) {
            table[v] = Pixels.toUint8(f * v + add);
        }
        lookUp(img, offset, 3 * pixels, table);
    }

    /** {@code img[i] = table[img[i]]} for the n values at offset. */
    private static void lookUp(byte[] img, int offset, int n, byte[] table) {
        for (int i = offset, end = offset + n; i < end; i++) {
            img[i] = table[img[i] & 0xFF];
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
     *
     * <p>Value (max) and chroma (c = max - min) do not change, so only the hue moves. It is kept
     * multiplied by c, in sixths of a turn ({@code H = c * h6}, no division), and each channel
     * comes back without a sector switch as {@code max - clamp(min(K, 4c - K), 0, c)} with
     * {@code K = (H + n c) mod 6c}, n = 5, 3, 1 for R, G, B: the six-case table of
     * {@code _hsv2rgb} (p = min, q, t, v = max) in one formula. Integer arithmetic with 16
     * fractional bits: the shift is rounded to 2^-16 of a sixth of a turn, which moves a channel
     * by at most 255 * 2^-17 < 0.002 levels before the one rounding to nearest.
     */
    public static void adjustHue(byte[] img, int offset, int pixels, double shift) {
        int shiftFx = (int) Math.round(6 * shift * ONE);  // sixths of a turn, 16 fractional bits
        for (int i = offset, end = offset + 3 * pixels; i < end; i += 3) {
            int r = img[i] & 0xFF;
            int g = img[i + 1] & 0xFF;
            int b = img[i + 2] & 0xFF;
            int max = Math.max(r, Math.max(g, b));
            int min = Math.min(r, Math.min(g, b));
            int c = max - min;
            // _rgb2hsv: c * h6 = g - b if max is r, 2c + b - r if g, 4c + r - g if b; chosen with
            // masks rather than branches (which channel is largest is a coin toss per pixel)
            int isR = (max - r - 1) >> 31;                // -1 where max == r, else 0
            int isG = ((max - g - 1) >> 31) & ~isR;       // -1 where max == g != r
            int h = ((g - b) & isR) | ((2 * c + b - r) & isG) | ((4 * c + r - g) & ~(isR | isG));
            int six = 6 * c * ONE;
            int hue = h * ONE + c * shiftFx;              // in [-4c, 8c) * ONE
            hue += six & (hue >> 31);                     // (h + shift) mod 1: add a turn if < 0,
            hue -= six & ((six - 1 - hue) >> 31);         // take one off if >= a turn
            int cFx = c * ONE;
            int maxFx = max * ONE + HALF;                 // + 1/2: round to nearest
            // a gray pixel (c = 0) gives hue 0 and a drop of 0: it stays as it is
            img[i] = (byte) ((maxFx - hsvDrop(hue + 5 * cFx, six, cFx)) >> 16);
            img[i + 1] = (byte) ((maxFx - hsvDrop(hue + 3 * cFx, six, cFx)) >> 16);
            img[i + 2] = (byte) ((maxFx - hsvDrop(hue + cFx, six, cFx)) >> 16);
        }
    }

    /** 1.0 in the 16-fractional-bit fixed point of {@link #adjustHue}. */
    private static final int ONE = 1 << 16;
    private static final int HALF = 1 << 15;

    /** How far one channel sits below max: {@code clamp(min(K, 4c - K), 0, c)}, K = k mod 6c. */
    private static int hsvDrop(int k, int six, int c) {
        k -= six & ((six - 1 - k) >> 31);
        return Math.max(0, Math.min(c, Math.min(k, 4 * c - k)));
    }
}
