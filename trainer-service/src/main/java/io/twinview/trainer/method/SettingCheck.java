package io.twinview.trainer.method;

/**
 * The range of one scalar setting of a method, declared once beside its default (Kafka ConfigDef's
 * discipline): {@link MethodDefinition} checks every int and double field of a method's settings
 * against its declared range, and refuses to register a method with a field that has none.
 */
@FunctionalInterface
public interface SettingCheck {

    /** @return null when {@code value} is allowed in a run of this shape, otherwise what is allowed */
    String problem(double value, RunShape run);

    /** A moving-average rate: 0 <= value < 1. */
    static SettingCheck rate() {
        return (value, run) -> value >= 0 && value < 1 ? null : "0 <= value < 1";
    }

    /** A weight or a floor: finite and >= 0. */
    static SettingCheck nonNegative() {
        return (value, run) -> value >= 0 && !Double.isInfinite(value) ? null : "a number >= 0";
    }

    /** 0 < value <= max: a temperature, a learning-rate scale. */
    static SettingCheck positiveAtMost(double max) {
        return (value, run) -> value > 0 && value <= max ? null : "a number in (0, " + max + "]";
    }

    /** min <= value <= max: a width, a count. */
    static SettingCheck between(int min, int max) {
        return (value, run) -> value >= min && value <= max ? null : min + ".." + max;
    }
}
