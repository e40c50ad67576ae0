package io.twinview.augment;

import io.twinview.core.data.BadImageException;
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
     * The one place that turns a dataset failure into a reason: a {@link BadImageException}'s kind
     * (empty, truncated, wrong_magic, corrupt, too_large, ...), lower-cased; {@value #UNREADABLE}
     * for any other dataset failure.
     */
    static String reasonOf(DatasetException e) {
        if (e instanceof BadImageException bad) {
            return bad.reason().name().toLowerCase(Locale.ROOT);
        }
        return UNREADABLE;
    }
}
