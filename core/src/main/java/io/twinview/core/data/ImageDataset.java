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

    /** Number of classes; labels lie in {@code 0 .. classCount()-1}. */
    int classCount();

    /** Human-readable class names, {@code classCount()} of them, indexed by label. */
    List<String> classNames();

    /** Class of image {@code index}. */
    int label(int index);

    /** Bytes one {@link #readImage} call writes: {@code height() * width() * channels()}. */
    default int imageBytes() {
        return height() * width() * channels();
    }

    /**
     * Writes image {@code index} into {@code dst[offset .. offset + imageBytes())} as uint8 HWC
     * (interleaved RGB). Allocates nothing.
     *
     * @throws IndexOutOfBoundsException if {@code index} is not in the dataset or dst is too short
     */
    void readImage(int index, byte[] dst, int offset);
}
