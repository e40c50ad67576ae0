package io.twinview.augment.op;

import java.util.SplittableRandom;

/**
 * torchvision {@code RandomSolarize(threshold=128, p)}, as BYOL's second view applies it (Grill et
 * al. 2020, https://arxiv.org/abs/2006.07733, table 6: solarization probability 0 in view 1, 0.2 in
 * view 2): with probability {@code p}, every channel value v >= 128 becomes 255 - v (PIL's
 * {@code ImageOps.solarize(img, 128)}, torchvision's {@code F.solarize}); values below 128 stay.
 * Works in place on uint8 HWC, per channel, so it needs no scratch buffer.
 */
public final class Solarize implements ImageOp {

    /** torchvision and PIL invert the values at or above this one. */
    public static final int THRESHOLD = 128;

    private final double p;

    public Solarize(double p) {
        this.p = RandomApply.probability("solarize", p);
    }

    /**
     * Solarizes the image with probability p. Always draws exactly one number from {@code rng},
     * so the draws after it do not depend on p.
     */
    @Override
    public void apply(Canvas image, SplittableRandom rng) {
        if (rng.nextDouble() < p) {
            solarize(image.pixels(), image.offset(), image.height() * image.width());
        }
    }

    public static void solarize(byte[] img, int offset, int pixels) {
        for (int i = offset, end = offset + 3 * pixels; i < end; i++) {
            int v = img[i] & 0xFF;
            if (v >= THRESHOLD) {
                img[i] = (byte) (255 - v);
            }
        }
    }
}
