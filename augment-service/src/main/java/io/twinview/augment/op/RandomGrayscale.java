package io.twinview.augment.op;

import java.util.SplittableRandom;

/**
 * torchvision {@code RandomGrayscale(p)}: with probability {@code p}, replaces every pixel by its
 * ITU-R 601-2 luma L = 0.299 R + 0.587 G + 0.114 B (see {@link Pixels}), replicated to all three
 * channels so the image stays RGB. Every published recipe uses p=0.2 (SimCLR,
 * https://arxiv.org/abs/2002.05709, appendix A; MoCo v1/v2; BYOL, https://arxiv.org/abs/2006.07733).
 */
public final class RandomGrayscale implements ImageOp {

    private final double p;

    public RandomGrayscale(double p) {
        this.p = RandomApply.probability("grayscale", p);
    }

    /** Converts the image with probability p (one draw). */
    @Override
    public void apply(Canvas image, SplittableRandom rng) {
        if (rng.nextDouble() < p) {
            toGrayscale(image.pixels(), image.offset(), image.height() * image.width());
        }
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
