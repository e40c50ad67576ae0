package io.twinview.augment;

import java.util.SplittableRandom;

import io.twinview.augment.op.BilinearResize;
import io.twinview.augment.op.ColorJitter;
import io.twinview.augment.op.HorizontalFlip;
import io.twinview.augment.op.RandomGrayscale;
import io.twinview.augment.op.RandomResizedCrop;
import io.twinview.augment.op.Solarize;

/**
 * One view's transform, in the order of SimCLR's torchvision pipeline, then BYOL's solarization
 * (which BYOL applies after grayscale; Gaussian blur, which sits between them in BYOL's ImageNet
 * pipeline, is omitted for CIFAR):
 * <pre>
 * RandomResizedCrop(outSize, scale, ratio) -> RandomHorizontalFlip(p)
 *   -> RandomApply([ColorJitter(b, c, s, h)], p) -> RandomGrayscale(p) -> RandomSolarize(128, p)
 * </pre>
 * Immutable and thread-safe; randomness comes from the caller's generator, scratch from the
 * caller's {@link BilinearResize}. All random draws happen in that fixed order.
 */
public final class ViewPipeline {

    private final RandomResizedCrop crop;
    private final HorizontalFlip flip;
    private final double jitterProbability;
    private final ColorJitter jitter;
    private final RandomGrayscale grayscale;
    private final Solarize solarize;

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
                      byte[] dst, int dstOffset, SplittableRandom rng, BilinearResize resize) {
        int size = crop.outSize();
        int pixels = size * size;
        crop.apply(src, srcOffset, height, width, dst, dstOffset, rng, resize);
        flip.apply(dst, dstOffset, size, size, rng);
        if (rng.nextDouble() < jitterProbability) {
            jitter.apply(dst, dstOffset, pixels, rng);
        }
        grayscale.apply(dst, dstOffset, pixels, rng);
        solarize.apply(dst, dstOffset, pixels, rng);
    }
}
