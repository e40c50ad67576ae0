package io.twinview.trainer.run;

/** A RunSpec field with a value the trainer cannot run; the message names the field, the value and what is allowed. */
public final class InvalidRunSpecException extends RuntimeException {

    private final String field;

    public InvalidRunSpecException(String field, Object value, String allowed) {
        super(field + " = " + quote(value) + " is not valid: " + allowed);
        this.field = field;
    }

    public InvalidRunSpecException(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    /** @param cause names the field, its value and what is allowed in its message */
    public InvalidRunSpecException(String field, IllegalArgumentException cause) {
        super(cause.getMessage(), cause);
        this.field = field;
    }

    private static String quote(Object value) {
        return value instanceof String s ? "'" + s + "'" : String.valueOf(value);
    }

    public String field() {
        return field;
    }
}
