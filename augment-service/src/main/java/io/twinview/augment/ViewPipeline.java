package io.twinview.augment;

import io.twinview.augment.op.Canvas;
import io.twinview.augment.op.ColorJitter;
import io.twinview.augment.op.GaussianBlur;
import io.twinview.augment.op.HorizontalFlip;
import io.twinview.augment.op.ImageOp;
import io.twinview.augment.op.RandomApply;
import io.twinview.augment.op.RandomGrayscale;
import io.twinview.augment.op.RandomResizedCrop;
import io.twinview.augment.op.Solarize;
import java.util.SplittableRandom;

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
 * caller's {@link Canvas}. Each op draws its numbers in turn, so all random draws happen in the
 * order of {@link #ops}.
 */
public final class ViewPipeline {

    private final int outSize;
    private final ImageOp[] ops;

    public ViewPipeline(ViewParams params, int outSize) {
        this.outSize = outSize;
        this.ops = ops(params, outSize);
    }

    /** The ops in the order they run: the one place a new op is listed. */
    private static ImageOp[] ops(ViewParams p, int outSize) {
        return new ImageOp[] {
            new RandomResizedCrop(p.cropScaleMin(), p.cropScaleMax(), p.cropRatioMin(), p.cropRatioMax(), outSize),
            new HorizontalFlip(p.flipProbability()),
            new RandomApply(
                    "jitter",
                    p.jitterProbability(),
                    new ColorJitter(p.brightness(), p.contrast(), p.saturation(), p.hue())),
            new RandomGrayscale(p.grayscaleProbability()),
            new GaussianBlur(
                    p.blurProbability(),
                    p.blurSigmaMin(),
                    p.blurSigmaMax(),
                    GaussianBlur.kernelSize(p.blurKernelFraction(), outSize)),
            new Solarize(p.solarizeProbability()),
        };
    }

    public int outSize() {
        return outSize;
    }

    /**
     * Writes one view of {@code src} (uint8 HWC RGB, height x width at srcOffset) as
     * outSize x outSize x 3 uint8 HWC at {@code dstOffset} of dst.
     *
     * @param canvas this thread's canvas (scratch)
     */
    public void apply(
            byte[] src,
            int srcOffset,
            int height,
            int width,
            byte[] dst,
            int dstOffset,
            SplittableRandom rng,
            Canvas canvas) {
        canvas.begin(src, srcOffset, height, width, dst, dstOffset, outSize, outSize);
        for (ImageOp op : ops) {
            op.apply(canvas, rng);
        }
        canvas.finish();
    }
}
