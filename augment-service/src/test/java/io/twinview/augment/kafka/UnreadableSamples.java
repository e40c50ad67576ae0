package io.twinview.augment.kafka;

import io.twinview.core.data.DatasetException;
import io.twinview.core.data.ImageDataset;
import java.util.Set;

/** A dataset whose chosen samples cannot be read, as a corrupt file would be: a test fixture. */
final class UnreadableSamples extends ForwardingDataset {

    private final Set<Long> unreadable;

    UnreadableSamples(ImageDataset images, Set<Long> unreadable) {
        super(images);
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
        super.readImage(index, dst, offset);
    }
}
