package io.twinview.core.paging;

/** A {@code page_size} or {@code page_token} a list call refuses; the message names the field and the value. */
public final class InvalidPageException extends IllegalArgumentException {

    public InvalidPageException(String message) {
        super(message);
    }
}
