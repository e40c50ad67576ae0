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
 * rotation keeps max and min exactly and computes only the middle channel, in float (see
 * {@link #adjustHue}).
 */
public final class ColorJitter implements ImageOp {

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

    /** Jitters the image (always: {@link RandomApply} gives it a probability). */
    @Override
    public void apply(Canvas image, SplittableRandom rng) {
        // a method of its own keeps the views as fast as before the Canvas: with the canvas calls
        // in the same body, simclr at 32 px ran 4% slower (interleaved A/B, one JVM)
        jitter(image.pixels(), image.offset(), image.height() * image.width(), rng);
    }

    /** Jitters {@code pixels} uint8 RGB pixels at offset in place. */
    private void jitter(byte[] img, int offset, int pixels, SplittableRandom rng) {
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
            sum += (img[i] & 0xFF) * Pixels.LUMA_R
                    + (img[i + 1] & 0xFF) * Pixels.LUMA_G
                    + (img[i + 2] & 0xFF) * Pixels.LUMA_B;
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
     * <p>Value (max) and chroma (c = max - min) do not change, so only the hue moves, and the
     * result is always max, min and one middle value: in sector {@code i = floor(h6)} (h6 = hue
     * in sixths of a turn) with {@code f = h6 - i}, the middle value is {@code min + c f} for even
     * sectors and {@code min + c (1 - f)} for odd ones (the t and q of {@code _hsv2rgb}), and the
     * sector says which channel gets which ({@code MAX_AT}, {@code MIDDLE_AT}, {@code MIN_AT}).
     * No division (1/c from a table), no branch: the max channel is picked with masks, as
     * which channel is largest is a coin toss per pixel.
     */
    public static void adjustHue(byte[] img, int offset, int pixels, double shift) {
        float shift6 = (float) (6 * shift); // sixths of a turn, in [-3, 3]
        for (int i = offset, end = offset + 3 * pixels; i < end; i += 3) {
            int r = img[i] & 0xFF;
            int g = img[i + 1] & 0xFF;
            int b = img[i + 2] & 0xFF;
            int max = Math.max(r, Math.max(g, b));
            int min = Math.min(r, Math.min(g, b));
            int c = max - min;
            // _rgb2hsv: h6 = (g - b)/c if max is r, 2 + (b - r)/c if g, 4 + (r - g)/c if b
            int isR = (max - r - 1) >> 31; // -1 where max == r, else 0
            int isG = ((max - g - 1) >> 31) & ~isR; // -1 where max == g != r
            int isB = ~(isR | isG);
            int numerator = ((g - b) & isR) | ((b - r) & isG) | ((r - g) & isB);
            int base = (2 & isG) | (4 & isB);
            float h6 = base + numerator * INVERSE[c] + shift6 + 4; // + 4 keeps it >= 0: in [0, 12)
            int whole = (int) h6; // floor(h6 + 4)
            float f = h6 - whole;
            int sector = SECTOR[whole]; // floor(h6) mod 6
            // a gray pixel (c = 0) has max = middle = min: it stays as it is
            byte middle = (byte) (int) (min + c * Math.abs((sector & 1) - f) + 0.5f);
            img[i + MAX_AT[sector]] = (byte) max;
            img[i + MIDDLE_AT[sector]] = middle;
            img[i + MIN_AT[sector]] = (byte) min;
        }
    }

    /** 1 / c for a chroma c of 1..255 (0 for 0: a gray pixel's hue numerator is 0 anyway). */
    private static final float[] INVERSE = new float[256];
    /** floor(h6) mod 6 from floor(h6 + 4), for h6 in [-4, 8). */
    private static final int[] SECTOR = new int[12];
    /** Channel (0 R, 1 G, 2 B) that gets max, the middle value and min in each sector of {@code _hsv2rgb}. */
    private static final int[] MAX_AT = {0, 1, 1, 2, 2, 0};

    private static final int[] MIDDLE_AT = {1, 0, 2, 1, 0, 2};
    private static final int[] MIN_AT = {2, 2, 0, 0, 1, 1};

    static {
        for (int c = 1; c < 256; c++) {
            INVERSE[c] = 1f / c;
        }
        for (int k = 0; k < SECTOR.length; k++) {
            SECTOR[k] = (k + 2) % 6;
        }
    }
}
