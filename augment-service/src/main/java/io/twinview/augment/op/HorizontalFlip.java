package io.twinview.augment.op;

import java.util.SplittableRandom;

/**
 * torchvision {@code RandomHorizontalFlip(p)}: mirrors the image left to right with probability
 * {@code p} ({@code torch.rand(1) < p}). Every published recipe uses p=0.5 (SimCLR,
 * https://arxiv.org/abs/2002.05709, appendix A; MoCo, https://arxiv.org/abs/1911.05722; BYOL,
 * https://arxiv.org/abs/2006.07733, table 6).
 */
public final class HorizontalFlip {

    private final double p;

    public HorizontalFlip(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("flip probability must be in [0, 1], got " + p);
        }
        this.p = p;
    }

    /**
     * Draws the coin {@link #apply} tosses (one number from rng): whether to flip. For callers that
     * fold the flip into the resampling ({@link RandomResizedCrop#resize}).
     */
    public boolean draw(SplittableRandom rng) {
        return rng.nextDouble() < p;
    }

    /** Flips the height x width uint8 HWC RGB image at offset in place with probability p; returns whether it did. */
    public boolean apply(byte[] img, int offset, int height, int width, SplittableRandom rng) {
        if (rng.nextDouble() < p) {
            flip(img, offset, height, width);
            return true;
        }
        return false;
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
