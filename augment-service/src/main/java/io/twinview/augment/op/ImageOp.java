package io.twinview.augment.op;

import java.util.SplittableRandom;

/**
 * One step of a view's transform, as a torchvision transform is one: it draws its random
 * parameters from the view's generator, always in the same order, and changes the image on the
 * {@link Canvas} (uint8 HWC RGB, {@link Canvas#height()} x {@link Canvas#width()}). An op may
 * leave another shape than it found (a crop, a resize); the pipeline that lists the ops checks
 * that the last shape is the view's.
 *
 * <p>Implementations are immutable and thread-safe: randomness comes from the caller's
 * generator, scratch from the canvas ({@link Canvas#scratch}). Allocation-free per pixel.
 */
@FunctionalInterface
public interface ImageOp {

    void apply(Canvas image, SplittableRandom rng);
}
