package io.twinview.augment.op;

import java.util.SplittableRandom;

/**
 * torchvision {@code RandomHorizontalFlip(p)}: mirrors the image left to right with probability
 * {@code p} ({@code torch.rand(1) < p}). Every published recipe uses p=0.5 (SimCLR,
 * https://arxiv.org/abs/2002.05709, appendix A; MoCo, https://arxiv.org/abs/1911.05722; BYOL,
 * https://arxiv.org/abs/2006.07733, table 6).
 */
public final class HorizontalFlip implements ImageOp {

    private final double p;

    public HorizontalFlip(double p) {
        this.p = RandomApply.probability("flip", p);
    }

    /**
     * Mirrors the image with probability p (one draw): right after a resize, folded into the
     * resampling at no cost ({@link Canvas#mirror}).
     */
    @Override
    public void apply(Canvas image, SplittableRandom rng) {
        if (rng.nextDouble() < p) {
            image.mirror();
        }
    }

    /** Mirrors each row in place: pixel x swaps with pixel width-1-x, channels kept together. */
    public static void flip(byte[] img, int offset, int height, int width) {
        for (int y = 0; y < height; y++) {
            int left = offset + y * width * 3;
            int right = left + (width - 1) * 3;
            for (; left < right; left += 3, right -= 3) {
                for (int c = 0; c < 3; c++) {
                    byte t = img[left + c];
                    img[left + c] = img[right + c];
                    img[right + c] = t;
                }
            }
        }
    }
}
