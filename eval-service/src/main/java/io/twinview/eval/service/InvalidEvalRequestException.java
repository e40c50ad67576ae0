package io.twinview.eval.service;

/** A request field that cannot be served; the message names the field, the value and what to do. */
public final class InvalidEvalRequestException extends RuntimeException {

    private final String field;

    public InvalidEvalRequestException(String field, String message) {
        super(message);
        this.field = field;
    }

    public InvalidEvalRequestException(String field, String message, Throwable cause) {
        super(message, cause);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
