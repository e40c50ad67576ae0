package io.twinview.augment.op;

import java.util.SplittableRandom;

/**
 * torchvision {@code RandomResizedCrop(size, scale, ratio)} with bilinear interpolation
 * (torchvision/transforms/transforms.py): a crop covering a random fraction of the image area in
 * {@code [scaleMin, scaleMax]} with aspect ratio (width / height) log-uniform in
 * {@code [ratioMin, ratioMax]}, resampled to {@code outSize x outSize}. Published parameters:
 * scale (0.08, 1), ratio (3/4, 4/3) in SimCLR (https://arxiv.org/abs/2002.05709, appendix A) and
 * BYOL (https://arxiv.org/abs/2006.07733); scale (0.2, 1) in MoCo v1 and v2
 * (https://arxiv.org/abs/1911.05722, https://arxiv.org/abs/2003.04297).
 */
public final class RandomResizedCrop implements ImageOp {

    /** torchvision's number of rejection-sampling attempts before the centre-crop fallback. */
    static final int ATTEMPTS = 10;

    private final double scaleMin;
    private final double scaleMax;
    private final double logRatioMin;
    private final double logRatioMax;
    private final double ratioMin;
    private final double ratioMax;
    private final int outSize;

    public RandomResizedCrop(double scaleMin, double scaleMax, double ratioMin, double ratioMax, int outSize) {
        if (!(scaleMin > 0 && scaleMin <= scaleMax && scaleMax <= 1)) {
            throw new IllegalArgumentException(
                    "crop scale needs 0 < min <= max <= 1, got [" + scaleMin + ", " + scaleMax + "]");
        }
        if (!(ratioMin > 0 && ratioMin <= ratioMax && Double.isFinite(ratioMax))) {
            throw new IllegalArgumentException(
                    "crop ratio needs 0 < min <= max < inf, got [" + ratioMin + ", " + ratioMax + "]");
        }
        if (outSize <= 0) {
            throw new IllegalArgumentException("output size must be > 0, got " + outSize);
        }
        this.scaleMin = scaleMin;
        this.scaleMax = scaleMax;
        this.ratioMin = ratioMin;
        this.ratioMax = ratioMax;
        this.logRatioMin = Math.log(ratioMin);
        this.logRatioMax = Math.log(ratioMax);
        this.outSize = outSize;
    }

    public int outSize() {
        return outSize;
    }

    /**
     * The crop window, as torchvision's {@code RandomResizedCrop.get_params}: up to 10 draws of
     * (area fraction, log aspect ratio); the first whose rounded box fits is placed uniformly at
     * random. If none fits, a centre crop of the whole image clamped to the ratio bounds.
     * Rounding is Python's {@code round} (half to even), as there.
     */
    public CropBox sampleBox(int height, int width, SplittableRandom rng) {
        double area = (double) height * width;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            double targetArea = area * uniform(rng, scaleMin, scaleMax);
            double aspect = Math.exp(uniform(rng, logRatioMin, logRatioMax));
            int w = (int) Math.rint(Math.sqrt(targetArea * aspect));
            int h = (int) Math.rint(Math.sqrt(targetArea / aspect));
            if (0 < w && w <= width && 0 < h && h <= height) {
                int top = rng.nextInt(height - h + 1);
                int left = rng.nextInt(width - w + 1);
                return new CropBox(top, left, h, w);
            }
        }
        return centreCrop(height, width);
    }

    /** torchvision's fallback: the largest centred box whose aspect ratio is within bounds. */
    CropBox centreCrop(int height, int width) {
        double inRatio = (double) width / height;
        int w;
        int h;
        if (inRatio < ratioMin) {
            w = width;
            h = (int) Math.rint(w / ratioMin);
        } else if (inRatio > ratioMax) {
            h = height;
            w = (int) Math.rint(h * ratioMax);
        } else {
            w = width;
            h = height;
        }
        return new CropBox((height - h) / 2, (width - w) / 2, Math.max(h, 1), Math.max(w, 1));
    }

    /** Replaces the image by a box {@link #sampleBox} draws, resampled to outSize x outSize (bilinear). */
    @Override
    public void apply(Canvas image, SplittableRandom rng) {
        image.resize(sampleBox(image.height(), image.width(), rng), outSize, outSize);
    }

    /** {@code torch.empty(1).uniform_(lo, hi)}. */
    static double uniform(SplittableRandom rng, double lo, double hi) {
        return lo + (hi - lo) * rng.nextDouble();
    }
}
