package io.twinview.trainer.method;

/**
 * A method setting with a value the method cannot train with.
 *
 * @see SettingChecks
 */
public final class InvalidSettingException extends IllegalArgumentException {

    private final String field;
    private final Object value;
    private final String allowed;

    /**
     * @param field the path in RunSpec, e.g. {@code byol.tau_base}
     * @param allowed what the field accepts
     */
    public InvalidSettingException(String field, Object value, String allowed) {
        super(field + " = " + value + " is not valid: " + allowed);
        this.field = field;
        this.value = value;
        this.allowed = allowed;
    }

    public String field() {
        return field;
    }

    public Object value() {
        return value;
    }

    public String allowed() {
        return allowed;
    }
}
