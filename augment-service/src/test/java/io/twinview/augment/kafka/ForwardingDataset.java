package io.twinview.augment.kafka;

import io.twinview.core.data.ImageDataset;
import java.util.List;

/** A test dataset that answers as {@code images} does: subclasses change how images are read. */
abstract class ForwardingDataset implements ImageDataset {

    protected final ImageDataset images;

    ForwardingDataset(ImageDataset images) {
        this.images = images;
    }

    @Override
    public void readImage(int index, byte[] dst, int offset) {
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
