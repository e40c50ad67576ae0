package io.twinview.core.data;

import java.util.List;
import java.util.Objects;

/**
 * What every dataset of square RGB images shares: its URI, side, size and class names, and the
 * bounds checks of {@link #label} and {@link #readImage}. A format only says where a label and
 * the pixels of one image are ({@link #labelOf}, {@link #read}).
 */
abstract class SquareImages implements ImageDataset {

    private final String uri;
    private final int side;
    private final int size;
    private final List<String> classNames;

    /**
     * @param uri        canonical URI
     * @param side       height and width of every image
     * @param size       number of images
     * @param classNames one per class, indexed by label
     */
    SquareImages(String uri, int side, int size, List<String> classNames) {
        this.uri = uri;
        this.side = side;
        this.size = size;
        this.classNames = classNames;
    }

    /** Label of image {@code index}, already checked to be in range. */
    protected abstract int labelOf(int index);

    /** Writes image {@code index} as uint8 HWC at {@code dst[offset]}; index and room already checked. */
    protected abstract void read(int index, byte[] dst, int offset);

    @Override
    public final String uri() {
        return uri;
    }

    @Override
    public final int size() {
        return size;
    }

    @Override
    public final int height() {
        return side;
    }

    @Override
    public final int width() {
        return side;
    }

    @Override
    public final int channels() {
        return 3;
    }

    @Override
    public final int classCount() {
        return classNames.size();
    }

    @Override
    public final List<String> classNames() {
        return classNames;
    }

    @Override
    public final int label(int index) {
        Objects.checkIndex(index, size);
        return labelOf(index);
    }

    @Override
    public final void readImage(int index, byte[] dst, int offset) {
        Objects.checkIndex(index, size);
        Objects.checkFromIndexSize(offset, imageBytes(), dst.length);
        read(index, dst, offset);
    }
}
