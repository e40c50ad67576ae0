package io.twinview.eval.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.twinview.core.data.ImageDataset;
import io.twinview.model.ImageTensors;
import java.util.concurrent.CancellationException;

/**
 * Runs a frozen encoder over every image of a labelled set, in order, without augmentation:
 * uint8 pixels, {@link ImageTensors#normalized} (CIFAR-10 mean/std), then an inference forward
 * ({@code training = false}: batch norm uses its running statistics, nothing is updated). Images
 * are fed at the run's image size: a set of another size goes through {@link EvalResize} (shorter side
 * to the size, centre crop), the same transform the EmbedService applies to its callers' images, so
 * that a probe's features and an embedding of the same image are the same.
 *
 * <p>Each batch lives in a sub-manager closed after the batch. The encoder's parameters are frozen
 * here (no gradient is recorded), which is harmless for a block that only ever does inference.
 */
public final class FeatureExtractor {

    public static final int DEFAULT_BATCH_SIZE = 256;

    private final int batchSize;

    public FeatureExtractor() {
        this(DEFAULT_BATCH_SIZE);
    }

    public FeatureExtractor(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, was " + batchSize);
        }
        this.batchSize = batchSize;
    }

    /**
     * @param encoder an initialised encoder mapping (N, 3, H, W) to (N, D)
     * @param size    the run's image size: the images are fed at size x size
     * @param manager parent of the per-batch managers (nothing stays attached to it)
     * @return (n, D) features and the n labels, in dataset order
     */
    public Features extract(Block encoder, ImageDataset data, int size, NDManager manager) {
        encoder.freezeParameters(true);
        int n = data.size();
        boolean resize = data.height() != size || data.width() != size;
        byte[] source = resize ? new byte[data.imageBytes()] : null;
        int imageBytes = size * size * 3;
        byte[] pixels = new byte[Math.min(batchSize, Math.max(n, 1)) * imageBytes];
        float[][] values = new float[n][];
        int[] labels = new int[n];
        for (int from = 0; from < n; from += batchSize) {
            if (Thread.currentThread().isInterrupted()) {
                throw new CancellationException(
                        "feature extraction of " + data.uri() + " interrupted at image " + from);
            }
            int count = Math.min(batchSize, n - from);
            for (int i = 0; i < count; i++) {
                if (resize) {
                    data.readImage(from + i, source, 0);
                    byte[] resized = EvalResize.toSize(source, data.height(), data.width(), size);
                    System.arraycopy(resized, 0, pixels, i * imageBytes, imageBytes);
                } else {
                    data.readImage(from + i, pixels, i * imageBytes);
                }
                labels[from + i] = data.label(from + i);
            }
            float[][] rows = features(encoder, pixels, count, size, size, manager);
            System.arraycopy(rows, 0, values, from, count);
        }
        return new Features(values, labels, data.classCount());
    }

    /**
     * The evaluation transform and an inference forward of one batch: what {@link #extract} does per
     * batch, and what the EmbedService does with the images of its callers.
     *
     * @param encoder an initialised encoder mapping (N, 3, H, W) to (N, D), frozen
     * @param pixels  at least {@code count * height * width * 3} bytes, uint8 HWC per image
     * @param manager parent of the batch's sub-manager (nothing stays attached to it)
     * @return (count, D) features
     */
    public static float[][] features(
            Block encoder, byte[] pixels, int count, int height, int width, NDManager manager) {
        try (NDManager batch = manager.newSubManager()) {
            NDArray images = ImageTensors.normalized(batch, pixels, 0, count, height, width); // (count, 3, H, W)
            NDArray features = encoder.forward(new ParameterStore(batch, false), new NDList(images), false)
                    .singletonOrThrow(); // (count, D)
            if (features.getShape().dimension() != 2 || features.getShape().get(0) != count) {
                throw new IllegalStateException("encoder returned shape " + features.getShape() + " for a batch of "
                        + count + " images; expected (" + count + ", D)");
            }
            int dim = (int) features.getShape().get(1);
            float[] flat = features.toFloatArray();
            float[][] rows = new float[count][dim];
            for (int i = 0; i < count; i++) {
                System.arraycopy(flat, i * dim, rows[i], 0, dim);
            }
            return rows;
        }
    }
}
