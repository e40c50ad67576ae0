package io.twinview.augment.op;

import java.util.SplittableRandom;

/**
 * torchvision {@code RandomGrayscale(p)}: with probability {@code p}, replaces every pixel by its
 * ITU-R 601-2 luma L = 0.299 R + 0.587 G + 0.114 B (see {@link Pixels}), replicated to all three
 * channels so the image stays RGB. Every published recipe uses p=0.2 (SimCLR,
 * https://arxiv.org/abs/2002.05709, appendix A; MoCo v1/v2; BYOL, https://arxiv.org/abs/2006.07733).
 */
public final class RandomGrayscale {

    private final double p;

    public RandomGrayscale(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("grayscale probability must be in [0, 1], got " + p);
        }
        this.p = p;
    }

    /** Converts {@code pixels} uint8 RGB pixels at offset in place with probability p; returns whether it did. */
    public boolean apply(byte[] img, int offset, int pixels, SplittableRandom rng) {
        if (rng.nextDouble() < p) {
            toGrayscale(img, offset, pixels);
            return true;
        }
        return false;
    }

    public static void toGrayscale(byte[] img, int offset, int pixels) {
        for (int i = offset, end = offset + 3 * pixels; i < end; i += 3) {
            byte l = (byte) Pixels.luma(img[i] & 0xFF, img[i + 1] & 0xFF, img[i + 2] & 0xFF);
            img[i] = l;
            img[i + 1] = l;
            img[i + 2] = l;
        }
    }
}
