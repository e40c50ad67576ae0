package io.twinview.augment;

import io.twinview.augment.op.Canvas;
import io.twinview.core.data.ImageDataset;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Makes the two augmented views of a dataset sample.
 *
 * <p>Determinism: view {@code v} (1 or 2) of sample {@code index} in epoch {@code epoch} of a run
 * with seed {@code seed} is drawn from a fresh {@link SplittableRandom} seeded by
 * {@link #viewSeed}, a SplitMix64 mix of exactly those four numbers. No generator is shared
 * between samples, so the pixels are the same whichever worker, thread or batch makes them.
 *
 * <p>Thread-safe: scratch buffers (the decoded source image and the ops' {@link Canvas}) are per
 * thread and reused across calls; nothing is allocated per pixel (colour jitter makes two
 * 256-entry tables per view).
 */
public final class TwoViewAugmenter {

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private final TwoViewPolicy policy;
    private final ViewPipeline view1;
    private final ViewPipeline view2;
    private final int outSize;
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    /** Per-thread buffers. */
    private static final class Scratch {
        byte[] image = new byte[0];
        final Canvas canvas = new Canvas();
    }

    /**
     * @param policy  resolved recipe (every field set)
     * @param outSize side of the square views in pixels
     * @throws IllegalArgumentException if a policy value is out of its operation's range or outSize <= 0
     */
    public TwoViewAugmenter(TwoViewPolicy policy, int outSize) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.view1 = new ViewPipeline(policy.view1(), outSize);
        this.view2 = new ViewPipeline(policy.view2(), outSize);
        this.outSize = outSize;
    }

    public TwoViewPolicy policy() {
        return policy;
    }

    public int outSize() {
        return outSize;
    }

    /** Bytes of one view: outSize * outSize * 3. */
    public int viewBytes() {
        return outSize * outSize * 3;
    }

    /**
     * Writes the two views of sample {@code index} as uint8 HWC (outSize x outSize x 3) at
     * {@code offset1} of {@code view1} and {@code offset2} of {@code view2}; for a batch buffer of
     * n views use offset {@code i * viewBytes()}.
     *
     * @throws IndexOutOfBoundsException if index is not in the dataset or a buffer is too short
     */
    public void augment(
            ImageDataset dataset,
            int index,
            long seed,
            long epoch,
            byte[] view1,
            int offset1,
            byte[] view2,
            int offset2) {
        Objects.checkFromIndexSize(offset1, viewBytes(), view1.length);
        Objects.checkFromIndexSize(offset2, viewBytes(), view2.length);
        if (dataset.channels() != 3) {
            throw new IllegalArgumentException(
                    "views are RGB; dataset " + dataset.uri() + " has " + dataset.channels() + " channels");
        }
        Scratch s = scratch.get();
        int bytes = dataset.imageBytes();
        if (s.image.length < bytes) {
            s.image = new byte[bytes];
        }
        dataset.readImage(index, s.image, 0);
        augment(s.image, 0, dataset.height(), dataset.width(), index, seed, epoch, view1, offset1, view2, offset2);
    }

    /**
     * Writes the two views of an already decoded sample ({@code image}, uint8 HWC RGB, height x
     * width at {@code imageOffset}) that is sample {@code index} of its dataset: the same pixels
     * as {@link #augment(ImageDataset, int, long, long, byte[], int, byte[], int)} for that
     * dataset, for callers that decode images themselves (JPEG sources).
     *
     * @throws IndexOutOfBoundsException if a buffer is too short
     */
    public void augment(
            byte[] image,
            int imageOffset,
            int height,
            int width,
            long index,
            long seed,
            long epoch,
            byte[] view1,
            int offset1,
            byte[] view2,
            int offset2) {
        Objects.checkFromIndexSize(imageOffset, height * width * 3, image.length);
        Objects.checkFromIndexSize(offset1, viewBytes(), view1.length);
        Objects.checkFromIndexSize(offset2, viewBytes(), view2.length);
        Canvas canvas = scratch.get().canvas;
        this.view1.apply(
                image,
                imageOffset,
                height,
                width,
                view1,
                offset1,
                new SplittableRandom(viewSeed(seed, epoch, index, 1)),
                canvas);
        this.view2.apply(
                image,
                imageOffset,
                height,
                width,
                view2,
                offset2,
                new SplittableRandom(viewSeed(seed, epoch, index, 2)),
                canvas);
    }

    /**
     * Seed of one view's generator: each of (seed, epoch, index, view) is folded in with a
     * SplitMix64 finaliser step, {@code h = mix64((h ^ x) + gamma)}, which is a bijection of x for
     * a fixed h, so changing any one input always changes the seed.
     */
    public static long viewSeed(long seed, long epoch, long index, int view) {
        long h = mix64(seed + GOLDEN_GAMMA);
        h = mix64((h ^ epoch) + GOLDEN_GAMMA);
        h = mix64((h ^ index) + GOLDEN_GAMMA);
        return mix64((h ^ view) + GOLDEN_GAMMA);
    }

    /** SplitMix64 finaliser (Steele, Lea, Flood 2014; variant 13 of Stafford's mixers). */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
