package io.twinview.trainer.run;

import java.time.Duration;

/**
 * Upper bounds on the sizes a RunSpec controls, so that a spec that passes {@link RunSpecs#resolve}
 * cannot make the trainer (or its workers) run out of memory. Set by {@code twinview.trainer.limits.*}.
 *
 * <p>Memory of a step grows with {@code batch_size x image_size^2} (the two views' pixels and every
 * activation map of the encoder), so that product has its own bound, {@code maxBatchPixels}: the default
 * 256 x 224^2 is the ImageNet recipes' batch at their image size, and smaller images allow
 * proportionally larger batches (4,096 x 56^2, 12,544 x 32^2 capped by {@code maxBatchSize}). The views
 * the trainer buffers are bounded by the same product per task: {@code samples_per_task x image_size^2
 * <= maxBatchPixels}, and at most {@code window-tasks} tasks are buffered (each pair is
 * 2 x image_size^2 x 3 bytes, so 8 tasks hold at most 8 x 6 x maxBatchPixels bytes, about 616 MB at
 * the default).
 *
 * @param maxEpochs             most epochs of a run
 * @param maxBatchSize          largest batch_size
 * @param maxBatchPixels        largest batch_size x image_size^2, and samples_per_task x image_size^2
 * @param maxImageSize          largest image_size (at most 512)
 * @param maxSamplesPerTask     largest samples_per_task
 * @param maxQueueSize          largest queue of negatives (MoCo's queue_size)
 * @param minCheckpointInterval least training time between two periodic checkpoints (the last step,
 *                              a preemption and running out of views checkpoint regardless)
 */
public record RunLimits(
        int maxEpochs,
        int maxBatchSize,
        long maxBatchPixels,
        int maxImageSize,
        int maxSamplesPerTask,
        int maxQueueSize,
        Duration minCheckpointInterval) {

    /** The formats' ceiling of image_size, whatever the limits say. */
    public static final int MAX_IMAGE_SIZE = 512;

    public static final int MIN_IMAGE_SIZE = 8;

    /** 1,000 epochs; batch 4,096; 256 x 224^2 batch pixels; 512 px; 4,096 samples per task; queue 65,536; 10 s. */
    public static final RunLimits DEFAULTS =
            new RunLimits(1_000, 4_096, 256L * 224 * 224, MAX_IMAGE_SIZE, 4_096, 65_536, Duration.ofSeconds(10));

    public RunLimits {
        positive("max-epochs", maxEpochs);
        positive("max-batch-size", maxBatchSize);
        positive("max-batch-pixels", maxBatchPixels);
        positive("max-samples-per-task", maxSamplesPerTask);
        positive("max-queue-size", maxQueueSize);
        if (maxImageSize < MIN_IMAGE_SIZE || maxImageSize > MAX_IMAGE_SIZE) {
            throw new IllegalArgumentException("twinview.trainer.limits.max-image-size = " + maxImageSize
                    + " is not valid: allowed " + MIN_IMAGE_SIZE + ".." + MAX_IMAGE_SIZE);
        }
        if (minCheckpointInterval == null || minCheckpointInterval.isNegative()) {
            throw new IllegalArgumentException("twinview.trainer.limits.min-checkpoint-interval = "
                    + minCheckpointInterval + " is not valid: allowed a duration >= 0");
        }
    }

    private static void positive(String name, long value) {
        if (value < 1) {
            throw new IllegalArgumentException(
                    "twinview.trainer.limits." + name + " = " + value + " is not valid: allowed a positive number");
        }
    }
}
