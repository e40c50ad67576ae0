package io.twinview.trainer.method;

/**
 * A method setting with a value the method cannot train with; the message names the field by its
 * path in RunSpec, the value and what is allowed.
 *
 * @see SettingChecks
 */
public final class InvalidSettingException extends IllegalArgumentException {

    private final String field;

    /** @param field the path in RunSpec, e.g. {@code byol.tau_base} */
    public InvalidSettingException(String field, Object value, String allowed) {
        super(field + " = " + value + " is not valid: " + allowed);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
