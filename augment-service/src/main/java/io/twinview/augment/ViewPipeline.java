package io.twinview.augment;

import java.util.SplittableRandom;

import io.twinview.augment.op.BilinearResize;
import io.twinview.augment.op.ColorJitter;
import io.twinview.augment.op.CropBox;
import io.twinview.augment.op.GaussianBlur;
import io.twinview.augment.op.HorizontalFlip;
import io.twinview.augment.op.RandomGrayscale;
import io.twinview.augment.op.RandomResizedCrop;
import io.twinview.augment.op.Solarize;

/**
 * One view's transform, in the order of SimCLR's and BYOL's torchvision pipelines (BYOL appends
 * solarization after the blur; Chen et al. 2020, https://arxiv.org/abs/2002.05709, appendix A;
 * Grill et al. 2020, https://arxiv.org/abs/2006.07733, appendix B):
 * <pre>
 * RandomResizedCrop(outSize, scale, ratio) -> RandomHorizontalFlip(p)
 *   -> RandomApply([ColorJitter(b, c, s, h)], p) -> RandomGrayscale(p)
 *   -> RandomApply([GaussianBlur(int(fraction * outSize) odd, (sigmaMin, sigmaMax))], p)
 *   -> RandomSolarize(128, p)
 * </pre>
 * Immutable and thread-safe; randomness comes from the caller's generator, scratch from the
 * caller's {@link Workspace}. All random draws happen in that fixed order.
 */
public final class ViewPipeline {

    private final RandomResizedCrop crop;
    private final HorizontalFlip flip;
    private final double jitterProbability;
    private final ColorJitter jitter;
    private final RandomGrayscale grayscale;
    private final GaussianBlur blur;
    private final Solarize solarize;

    /** One thread's scratch buffers for {@link #apply}: the resampler's and the blur's. */
    public static final class Workspace {
        final BilinearResize resize = new BilinearResize();
        final GaussianBlur.Workspace blur = new GaussianBlur.Workspace();
    }

    public ViewPipeline(ViewParams params, int outSize) {
        this.crop = new RandomResizedCrop(params.cropScaleMin(), params.cropScaleMax(),
                params.cropRatioMin(), params.cropRatioMax(), outSize);
        this.flip = new HorizontalFlip(params.flipProbability());
        if (!(params.jitterProbability() >= 0 && params.jitterProbability() <= 1)) {
            throw new IllegalArgumentException("jitter probability must be in [0, 1], got " + params.jitterProbability());
        }
        this.jitterProbability = params.jitterProbability();
        this.jitter = new ColorJitter(params.brightness(), params.contrast(), params.saturation(), params.hue());
        this.grayscale = new RandomGrayscale(params.grayscaleProbability());
        this.blur = new GaussianBlur(params.blurProbability(), params.blurSigmaMin(), params.blurSigmaMax(),
                GaussianBlur.kernelSize(params.blurKernelFraction(), outSize));
        this.solarize = new Solarize(params.solarizeProbability());
    }

    public int outSize() {
        return crop.outSize();
    }

    /**
     * Writes one view of {@code src} (uint8 HWC RGB, height x width at srcOffset) as
     * outSize x outSize x 3 uint8 HWC at {@code dstOffset} of dst.
     */
    public void apply(byte[] src, int srcOffset, int height, int width,
                      byte[] dst, int dstOffset, SplittableRandom rng, Workspace workspace) {
        int size = crop.outSize();
        int pixels = size * size;
        // torchvision draws the box, then the flip coin; the flip itself is folded into the resampling
        CropBox box = crop.sampleBox(height, width, rng);
        boolean flipped = flip.draw(rng);
        crop.resize(src, srcOffset, width, box, flipped, dst, dstOffset, workspace.resize);
        if (rng.nextDouble() < jitterProbability) {
            jitter.apply(dst, dstOffset, pixels, rng);
        }
        grayscale.apply(dst, dstOffset, pixels, rng);
        blur.apply(dst, dstOffset, size, size, rng, workspace.blur);
        solarize.apply(dst, dstOffset, pixels, rng);
    }
}
