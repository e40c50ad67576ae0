package io.twinview.core.data;

/** A dataset URI that names a place outside the allowed roots ({@link DatasetRoots}); the message names the URI and the roots. */
public final class DatasetAccessException extends DatasetException {

    public DatasetAccessException(String message) {
        super(message);
    }
}
