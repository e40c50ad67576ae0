package io.twinview.augment;

import io.twinview.core.data.DatasetException;
import io.twinview.core.data.ImageDataset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Both views of a run of samples, as two uint8 NHWC buffers ({@code n x size x size x 3} each),
 * made in parallel over samples.
 *
 * <p>The samples are cut into at most {@code parallelism} contiguous slices, one per thread;
 * each sample writes only its own {@code i * viewBytes} slot and {@link TwoViewAugmenter} draws
 * every view from its own generator, so the bytes do not depend on the thread count.
 */
public final class BatchAugmenter {

    private final ExecutorService pool;
    private final int parallelism;

    /**
     * @param pool        threads for the slices; null runs everything on the caller's thread
     * @param parallelism most slices per call, at least 1 (the pool's size)
     */
    public BatchAugmenter(ExecutorService pool, int parallelism) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1, was " + parallelism);
        }
        this.pool = pool;
        this.parallelism = pool == null ? 1 : parallelism;
    }

    /**
     * Views of {@code indices[from .. to)}: element 0 is view 1, element 1 is view 2, each
     * {@code (to - from) * augmenter.viewBytes()} bytes with sample {@code from + i} at
     * {@code i * viewBytes()}.
     *
     * @throws IndexOutOfBoundsException if an index is not in the dataset
     * @throws DatasetException          if an image cannot be read
     * @throws InterruptedException      if the calling thread is interrupted while waiting for the slices
     */
    public byte[][] augment(
            TwoViewAugmenter augmenter, ImageDataset dataset, long[] indices, int from, int to, long seed, long epoch)
            throws InterruptedException {
        Objects.checkFromToIndex(from, to, indices.length);
        return run(augmenter, dataset, indices, from, to - from, seed, epoch, null);
    }

    /**
     * The views of {@code indices[from .. to)} as {@link #augment} makes them, except that a sample
     * whose image cannot be read ({@link DatasetException} from the dataset) is left out and
     * reported instead of failing the whole run of samples.
     *
     * @throws IndexOutOfBoundsException if an index is not in the dataset (a task problem, not a bad image)
     * @throws InterruptedException      if the calling thread is interrupted while waiting for the slices
     */
    public Views augmentOrReject(
            TwoViewAugmenter augmenter, ImageDataset dataset, long[] indices, int from, int to, long seed, long epoch)
            throws InterruptedException {
        Objects.checkFromToIndex(from, to, indices.length);
        int n = to - from;
        DatasetException[] failures = new DatasetException[n]; // slot i written only by the slice owning sample i
        byte[][] views = run(augmenter, dataset, indices, from, n, seed, epoch, failures);
        List<SampleRejection> rejections = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (failures[i] != null) {
                rejections.add(SampleRejection.of(indices[from + i], failures[i]));
            }
        }
        if (rejections.isEmpty()) {
            return new Views(views[0], views[1], Arrays.copyOfRange(indices, from, to), List.of());
        }
        // the read samples packed in their order: (n - rejected) views
        int bytes = augmenter.viewBytes();
        int kept = n - rejections.size();
        byte[] view1 = new byte[Math.multiplyExact(kept, bytes)];
        byte[] view2 = new byte[view1.length];
        long[] keptIndices = new long[kept];
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (failures[i] == null) {
                System.arraycopy(views[0], i * bytes, view1, k * bytes, bytes);
                System.arraycopy(views[1], i * bytes, view2, k * bytes, bytes);
                keptIndices[k++] = indices[from + i];
            }
        }
        return new Views(view1, view2, keptIndices, List.copyOf(rejections));
    }

    /**
     * Views of the samples that could be read.
     *
     * @param view1      {@code samples.length x size x size x 3} uint8, sample i at {@code i * viewBytes}
     * @param view2      the same shape
     * @param samples    the dataset indices of the views, in the order asked for
     * @param rejections the samples left out, in the order asked for
     */
    public record Views(byte[] view1, byte[] view2, long[] samples, List<SampleRejection> rejections) {}

    /** Both views of {@code indices[from .. from + n)}; with {@code failures}, a sample's DatasetException goes to its slot. */
    private byte[][] run(
            TwoViewAugmenter augmenter,
            ImageDataset dataset,
            long[] indices,
            int from,
            int n,
            long seed,
            long epoch,
            DatasetException[] failures)
            throws InterruptedException {
        int bytes = augmenter.viewBytes();
        byte[] view1 = new byte[Math.multiplyExact(n, bytes)];
        byte[] view2 = new byte[view1.length];
        int slices = Math.min(parallelism, n);
        if (slices <= 1) {
            augmentSlice(augmenter, dataset, indices, from, 0, n, seed, epoch, view1, view2, failures);
            return new byte[][] {view1, view2};
        }
        List<Future<?>> futures = new ArrayList<>(slices);
        for (int s = 0; s < slices; s++) {
            int first = (int) ((long) n * s / slices);
            int last = (int) ((long) n * (s + 1) / slices);
            futures.add(pool.submit(() ->
                    augmentSlice(augmenter, dataset, indices, from, first, last, seed, epoch, view1, view2, failures)));
        }
        RuntimeException failure = null;
        for (Future<?> future : futures) { // join every slice before reporting, so none writes after we return
            try {
                future.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                }
            } catch (InterruptedException e) {
                futures.forEach(f -> f.cancel(true));
                throw e;
            }
        }
        if (failure != null) {
            throw failure;
        }
        return new byte[][] {view1, view2};
    }

    private static void augmentSlice(
            TwoViewAugmenter augmenter,
            ImageDataset dataset,
            long[] indices,
            int from,
            int first,
            int last,
            long seed,
            long epoch,
            byte[] view1,
            byte[] view2,
            DatasetException[] failures) {
        int bytes = augmenter.viewBytes();
        for (int i = first; i < last; i++) {
            long index = indices[from + i];
            if (index < 0 || index >= dataset.size()) {
                throw new IndexOutOfBoundsException("sample " + Long.toUnsignedString(index) + " is not in "
                        + dataset.uri() + " (" + dataset.size() + " images)");
            }
            try {
                augmenter.augment(dataset, (int) index, seed, epoch, view1, i * bytes, view2, i * bytes);
            } catch (DatasetException e) {
                if (failures == null) {
                    throw e;
                }
                failures[i] = e;
            }
        }
    }
}
