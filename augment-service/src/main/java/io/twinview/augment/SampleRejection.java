package io.twinview.augment;

import io.twinview.core.data.DatasetException;
import java.util.Locale;

/**
 * A sample whose image could not be read or decoded: it gets no views, the task goes on, and the
 * worker reports it (dead-letter topic, the ViewBatch's rejected indices).
 *
 * @param index  the sample's index in the dataset
 * @param reason lower_snake_case kind of failure (see {@link #reasonOf})
 * @param detail the exception's message, naming the file or record and what is wrong
 */
public record SampleRejection(long index, String reason, String detail) {

    /** The reason of a plain {@link DatasetException}, which names no kind. */
    public static final String UNREADABLE = "unreadable";

    public static SampleRejection of(long index, DatasetException e) {
        return new SampleRejection(index, reasonOf(e), String.valueOf(e.getMessage()));
    }

    /**
     * The one place that turns a dataset failure into a reason. A subclass that carries its own
     * kind (an image-level exception with a reason enum: truncated, zero-byte, wrong magic,
     * bit-flipped, decompression bomb) is mapped here by its enum constant's name, lower-cased.
     */
    static String reasonOf(DatasetException e) {
        try {
            // a kind-carrying subclass exposes reason(); the base class does not. Looked up by name
            // because BadImageException is being added on another branch: once it is merged, this
            // becomes `if (e instanceof BadImageException bad) return bad.reason()...`.
            Object kind = e.getClass().getMethod("reason").invoke(e);
            if (kind != null) {
                return kind.toString().toLowerCase(Locale.ROOT);
            }
        } catch (ReflectiveOperationException | RuntimeException ignored) {
            // no reason() accessor: a plain DatasetException
        }
        return UNREADABLE;
    }
}
