package io.twinview.augment.op;

import java.util.Arrays;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The image a chain of {@link ImageOp}s works on: uint8 HWC RGB, {@link #height()} x
 * {@link #width()}, made from a source the caller owns and written by {@link #finish()} into a
 * destination slot of a fixed shape.
 *
 * <p>Geometry is lazy: {@link #resize} records the box and the new shape, and a {@link #mirror}
 * that follows is folded into that resample ({@link BilinearResize}'s mirrored write, the bytes of
 * resize-then-flip in one pass). The resample runs when an op next asks for {@link #pixels()}, or
 * at {@link #finish()}. So RandomResizedCrop then HorizontalFlip cost one pass over the pixels.
 *
 * <p>The source is never written: the first op that changes pixels gets a copy, or the resample's
 * output. A result of the destination's shape is written straight into the destination; other
 * shapes go to one of two spare buffers.
 *
 * <p>Holds the resampler, the spare buffers (grown to the largest image seen) and the ops'
 * scratch ({@link #scratch}): one instance per thread, reused from image to image.
 */
public final class Canvas {

    private final BilinearResize resampler = new BilinearResize();
    private byte[] spareA = new byte[0];
    private byte[] spareB = new byte[0];
    private Class<?>[] scratchTypes = new Class<?>[0];
    private Object[] scratch = new Object[0];

    /** The image as it stands: height x width at offset of data (the source, a spare or the destination). */
    private byte[] data;

    private int offset;
    private int height;
    private int width;
    private boolean atDestination;
    /** False while data is the caller's source. */
    private boolean writable;

    /** A resample not yet run: pendingBox of the image above to pendingHeight x pendingWidth; null when none. */
    private CropBox pendingBox;

    private int pendingHeight;
    private int pendingWidth;
    private boolean pendingMirror;

    private byte[] destination;
    private int destinationOffset;
    private int destinationHeight;
    private int destinationWidth;

    /**
     * Starts an image from {@code src} (uint8 HWC RGB, height x width at srcOffset; read, never
     * written) whose result {@link #finish()} writes to {@code dst} at dstOffset as dstHeight x
     * dstWidth x 3. The two regions must not overlap, unless they are the same region of one
     * array: then the ops change the image where it is.
     *
     * @return this canvas
     * @throws IndexOutOfBoundsException if a region does not fit its array
     */
    public Canvas begin(
            byte[] src, int srcOffset, int height, int width, byte[] dst, int dstOffset, int dstHeight, int dstWidth) {
        Objects.checkFromIndexSize(srcOffset, height * width * 3, src.length);
        Objects.checkFromIndexSize(dstOffset, dstHeight * dstWidth * 3, dst.length);
        boolean inPlace = src == dst && srcOffset == dstOffset;
        this.data = src;
        this.offset = srcOffset;
        this.height = height;
        this.width = width;
        this.atDestination = inPlace;
        this.writable = inPlace;
        this.pendingBox = null;
        this.destination = dst;
        this.destinationOffset = dstOffset;
        this.destinationHeight = dstHeight;
        this.destinationWidth = dstWidth;
        return this;
    }

    /** A new canvas on {@code image} (height x width at offset) that the ops change where it is, shape kept. */
    public static Canvas inPlace(byte[] image, int offset, int height, int width) {
        return new Canvas().begin(image, offset, height, width, image, offset, height, width);
    }

    /** Rows of the image, a pending resize included. */
    public int height() {
        return pendingBox != null ? pendingHeight : height;
    }

    /** Columns of the image, a pending resize included. */
    public int width() {
        return pendingBox != null ? pendingWidth : width;
    }

    /**
     * Replaces the image by {@code box} of it resampled to outHeight x outWidth with PIL's bilinear
     * filter ({@link BilinearResize}); runs when the pixels are next needed.
     */
    public void resize(CropBox box, int outHeight, int outWidth) {
        if (outHeight <= 0 || outWidth <= 0) {
            throw new IllegalArgumentException("resize needs a positive size, got " + outHeight + " x " + outWidth);
        }
        settle(); // two resamples in a row are not one resample
        checkInside(box);
        pendingBox = box;
        pendingHeight = outHeight;
        pendingWidth = outWidth;
        pendingMirror = false;
    }

    /** Mirrors the image left to right: folded into a pending resize, else in place ({@link HorizontalFlip#flip}). */
    public void mirror() {
        if (pendingBox != null) {
            pendingMirror = !pendingMirror;
        } else {
            HorizontalFlip.flip(pixels(), offset, height, width);
        }
    }

    /** Replaces the image by {@code box} of it, pixels copied as they are. */
    public void crop(CropBox box) {
        settle();
        checkInside(box);
        if (box.height() == height && box.width() == width) {
            return; // the whole image
        }
        byte[] to = target(box.height(), box.width());
        int toOffset = to == destination ? destinationOffset : 0;
        int row = box.width() * 3;
        for (int y = 0; y < box.height(); y++) {
            System.arraycopy(data, offset + ((box.top() + y) * width + box.left()) * 3, to, toOffset + y * row, row);
        }
        moveTo(to, toOffset, box.height(), box.width());
    }

    /**
     * The image's pixels, to read or change in place: {@link #height()} x {@link #width()} x 3
     * uint8 at {@link #offset()}. Runs a pending resize and copies the source on first use.
     */
    public byte[] pixels() {
        settle();
        if (!writable) {
            byte[] to = target(height, width);
            int toOffset = to == destination ? destinationOffset : 0;
            System.arraycopy(data, offset, to, toOffset, height * width * 3);
            moveTo(to, toOffset, height, width);
        }
        return data;
    }

    /** Where the image starts in {@link #pixels()} (which it calls, so the two can come in either order). */
    public int offset() {
        pixels();
        return offset;
    }

    /**
     * Writes the image into the destination given to {@link #begin} and lets go of the caller's
     * arrays.
     *
     * @throws IllegalStateException if the ops left another shape than the destination's
     */
    public void finish() {
        settle();
        if (height != destinationHeight || width != destinationWidth) {
            throw new IllegalStateException("the ops made a " + height + " x " + width
                    + " image; the destination holds " + destinationHeight + " x " + destinationWidth);
        }
        if (!atDestination) {
            System.arraycopy(data, offset, destination, destinationOffset, height * width * 3);
        }
        data = null;
        destination = null;
    }

    /**
     * An op's scratch on this canvas (so, per thread): the one of this type, made by
     * {@code create} on first use. Pass a constructor reference ({@code Workspace::new}), which
     * allocates nothing per call.
     */
    public <T> T scratch(Class<T> type, Supplier<? extends T> create) {
        for (int i = 0; i < scratchTypes.length; i++) {
            if (scratchTypes[i] == type) {
                return type.cast(scratch[i]);
            }
        }
        T made = Objects.requireNonNull(create.get(), "scratch");
        scratchTypes = Arrays.copyOf(scratchTypes, scratchTypes.length + 1);
        scratch = Arrays.copyOf(scratch, scratch.length + 1);
        scratchTypes[scratchTypes.length - 1] = type;
        scratch[scratch.length - 1] = made;
        return made;
    }

    /** Runs the pending resize, if any. */
    private void settle() {
        if (pendingBox == null) {
            return;
        }
        byte[] to = target(pendingHeight, pendingWidth);
        int toOffset = to == destination ? destinationOffset : 0;
        resampler.resize(data, offset, width, pendingBox, to, toOffset, pendingHeight, pendingWidth, pendingMirror);
        pendingBox = null;
        moveTo(to, toOffset, pendingHeight, pendingWidth);
    }

    /**
     * Where an image of h x w made from the current one goes: the destination when it has that
     * shape and the current image is not there, else the spare the current image is not in.
     */
    private byte[] target(int h, int w) {
        if (h == destinationHeight && w == destinationWidth && !atDestination) {
            return destination;
        }
        int bytes = h * w * 3;
        if (data != spareA) {
            return spareA = spareA.length < bytes ? new byte[bytes] : spareA;
        }
        return spareB = spareB.length < bytes ? new byte[bytes] : spareB;
    }

    private void moveTo(byte[] to, int toOffset, int h, int w) {
        data = to;
        offset = toOffset;
        height = h;
        width = w;
        atDestination = to == destination;
        writable = true;
    }

    private void checkInside(CropBox box) {
        if (box.top() + box.height() > height || box.left() + box.width() > width) {
            throw new IllegalArgumentException(box + " is not inside the " + height + " x " + width + " image");
        }
    }
}
