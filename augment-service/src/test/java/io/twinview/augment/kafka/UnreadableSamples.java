package io.twinview.augment.kafka;

import io.twinview.core.data.DatasetException;
import io.twinview.core.data.ImageDataset;
import java.util.List;
import java.util.Set;

/** A dataset whose chosen samples cannot be read, as a corrupt file would be: a test fixture. */
final class UnreadableSamples implements ImageDataset {

    private final ImageDataset images;
    private final Set<Long> unreadable;

    UnreadableSamples(ImageDataset images, Set<Long> unreadable) {
        this.images = images;
        this.unreadable = Set.copyOf(unreadable);
    }

    /** The message the rejection of {@code index} carries. */
    static String message(ImageDataset images, long index) {
        return images.uri() + ": image " + index + " is truncated (test fixture)";
    }

    @Override
    public void readImage(int index, byte[] dst, int offset) {
        if (unreadable.contains((long) index)) {
            throw new DatasetException(message(images, index));
        }
        images.readImage(index, dst, offset);
    }

    @Override
    public String uri() {
        return images.uri();
    }

    @Override
    public int size() {
        return images.size();
    }

    @Override
    public int height() {
        return images.height();
    }

    @Override
    public int width() {
        return images.width();
    }

    @Override
    public int channels() {
        return images.channels();
    }

    @Override
    public int classCount() {
        return images.classCount();
    }

    @Override
    public List<String> classNames() {
        return images.classNames();
    }

    @Override
    public int label(int index) {
        return images.label(index);
    }
}
