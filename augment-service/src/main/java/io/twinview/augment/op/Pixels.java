package io.twinview.augment.op;

/**
 * Per-pixel helpers shared by the operations.
 *
 * <p>Luma is ITU-R 601-2, L = 0.299 R + 0.587 G + 0.114 B, in the fixed-point form PIL uses for
 * {@code convert("L")} (libImaging/Convert.c: {@code (R*19595 + G*38470 + B*7471 + 0x8000) >> 16}),
 * which torchvision's grayscale transforms apply to PIL images. The weights sum to 65536, so white
 * stays 255.
 */
final class Pixels {

    static final int LUMA_R = 19595;
    static final int LUMA_G = 38470;
    static final int LUMA_B = 7471;
    static final float LUMA_RF = LUMA_R / 65536f;
    static final float LUMA_GF = LUMA_G / 65536f;
    static final float LUMA_BF = LUMA_B / 65536f;

    private Pixels() {}

    /** Luma of one uint8 pixel, rounded to the nearest integer. */
    static int luma(int r, int g, int b) {
        return (r * LUMA_R + g * LUMA_G + b * LUMA_B + 0x8000) >> 16;
    }

    /** Luma of one uint8 pixel without rounding, for blends that round once at the end. */
    static float lumaExact(int r, int g, int b) {
        return r * LUMA_RF + g * LUMA_GF + b * LUMA_BF;
    }

    /** Nearest uint8 (halves round up), clamped to 0..255; NaN gives 0. */
    static byte toUint8(float v) {
        int i = (int) (v + 0.5f);
        return (byte) (i <= 0 ? 0 : Math.min(i, 255));
    }
}
