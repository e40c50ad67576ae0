package io.twinview.core.data;

import java.util.List;

/**
 * A labelled, random-access set of RGB images of one size, as {@link Datasets#open} returns it.
 *
 * <p>Implementations are immutable; every method may be called from any number of threads.
 * Pixels are uint8 in HWC order (row-major, interleaved R, G, B), the layout augment workers and
 * {@code ViewBatch} payloads use.
 */
public interface ImageDataset {

    /** The canonical URI of exactly these images (absolute directory, explicit parameters). */
    String uri();

    /** Number of images; valid indices are {@code 0 .. size()-1}. */
    int size();

    int height();

    int width();

    /** Always 3 (RGB). */
    int channels();

    /**
     * Number of classes; labels lie in {@code 0 .. classCount()-1}, except in an unlabelled set
     * ({@link #labelled()} false), whose labels are all {@link #UNLABELLED}.
     */
    int classCount();

    /** The label of every image of an unlabelled set, such as {@code stl10:DIR?split=unlabeled}. */
    int UNLABELLED = -1;

    /**
     * False when the images carry no class ({@link #label} is {@link #UNLABELLED} for all of them):
     * such a set is for pre-training only, never for fitting or scoring a probe.
     */
    default boolean labelled() {
        return true;
    }

    /** Human-readable class names, {@code classCount()} of them, indexed by label. */
    List<String> classNames();

    /** Class of image {@code index}; {@link #UNLABELLED} in an unlabelled set. */
    int label(int index);

    /** Bytes one {@link #readImage} call writes: {@code height() * width() * channels()}. */
    default int imageBytes() {
        return height() * width() * channels();
    }

    /**
     * Writes image {@code index} into {@code dst[offset .. offset + imageBytes())} as uint8 HWC
     * (interleaved RGB). Binary formats (CIFAR, STL-10, synthetic) allocate nothing; formats of
     * encoded files (imagefolder, webdataset) read, check and decode the file on each call.
     *
     * @throws IndexOutOfBoundsException if {@code index} is not in the dataset or dst is too short
     * @throws BadImageException         if the stored image of {@code index} is unusable (empty,
     *                                   truncated, corrupt, too large...): the one sample is bad, the
     *                                   dataset stays usable; nothing was written to {@code dst}
     *                                   beyond what a retry overwrites
     */
    void readImage(int index, byte[] dst, int offset);
}
