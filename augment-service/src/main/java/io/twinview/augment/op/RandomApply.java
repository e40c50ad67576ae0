package io.twinview.augment.op;

import java.util.SplittableRandom;

/**
 * torchvision {@code RandomApply([op], p)}: applies {@code op} with probability {@code p}
 * ({@code p < torch.rand(1)} skips it). Draws one number for the coin, then, when applied, the
 * op's own. SimCLR, MoCo v2 and BYOL wrap their colour jitter in it with p=0.8
 * (https://arxiv.org/abs/2002.05709, appendix A).
 */
public final class RandomApply implements ImageOp {

    private final double p;
    private final ImageOp op;

    /** @param name what the op is called in the message when p is out of range ("jitter") */
    public RandomApply(String name, double p, ImageOp op) {
        this.p = probability(name, p);
        this.op = op;
    }

    @Override
    public void apply(Canvas image, SplittableRandom rng) {
        if (rng.nextDouble() < p) {
            op.apply(image, rng);
        }
    }

    /**
     * {@code p} itself when it is in [0, 1], the one check of every op's probability.
     *
     * @throws IllegalArgumentException "NAME probability must be in [0, 1], got P" otherwise (NaN included)
     */
    public static double probability(String name, double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException(name + " probability must be in [0, 1], got " + p);
        }
        return p;
    }
}
