package io.twinview.core.data;

/** A dataset URI that cannot be opened; the message names the URI and what is wrong with it. */
public class DatasetException extends RuntimeException {

    public DatasetException(String message) {
        super(message);
    }

    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
