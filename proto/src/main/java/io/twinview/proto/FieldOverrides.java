package io.twinview.proto;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Sets fields of a message from {@code path=value} text, the path being proto field names joined by
 * dots ({@code byol.tau_base=0.99}, {@code optimizer.name=sgd}, {@code augment.blur_probability=0.5}):
 * every setting of a contract reachable from a command line without a flag per field. Scalars,
 * booleans, strings and enums (by value name) only; repeated and map fields are refused.
 */
public final class FieldOverrides {

    private FieldOverrides() {}

    /**
     * Applies each {@code path=value} in order (a later one wins).
     *
     * @throws IllegalArgumentException naming the override, the field and what is allowed
     */
    public static void apply(Message.Builder target, List<String> overrides) {
        for (String override : overrides) {
            int equals = override.indexOf('=');
            if (equals <= 0) {
                throw new IllegalArgumentException(
                        "override '" + override + "': expected path=value, e.g. byol.tau_base=0.99");
            }
            set(
                    target,
                    override.substring(0, equals).trim(),
                    override.substring(equals + 1).trim(),
                    override);
        }
    }

    private static void set(Message.Builder target, String path, String text, String override) {
        String[] names = path.split("\\.");
        Message.Builder builder = target;
        for (int i = 0; i < names.length - 1; i++) {
            FieldDescriptor field = field(builder.getDescriptorForType(), names[i], override);
            if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE || field.isRepeated()) {
                throw new IllegalArgumentException(
                        "override '" + override + "': " + names[i] + " is not a message field");
            }
            builder = builder.getFieldBuilder(field);
        }
        FieldDescriptor field = field(builder.getDescriptorForType(), names[names.length - 1], override);
        if (field.isRepeated() || field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
            throw new IllegalArgumentException("override '" + override + "': " + field.getName() + " is a "
                    + (field.isRepeated() ? "repeated" : "message") + " field; only single values can be set");
        }
        builder.setField(field, value(field, text, override));
    }

    private static FieldDescriptor field(Descriptor type, String name, String override) {
        FieldDescriptor field = type.findFieldByName(name);
        if (field == null) {
            throw new IllegalArgumentException("override '" + override + "': " + type.getName() + " has no field '"
                    + name + "'; its fields: "
                    + type.getFields().stream().map(FieldDescriptor::getName).collect(Collectors.joining(", ")));
        }
        return field;
    }

    private static Object value(FieldDescriptor field, String text, String override) {
        try {
            return switch (field.getJavaType()) {
                case INT -> Integer.parseInt(text);
                case LONG -> Long.parseLong(text);
                case FLOAT -> Float.parseFloat(text);
                case DOUBLE -> Double.parseDouble(text);
                case STRING -> text;
                case BOOLEAN -> {
                    if (!text.equals("true") && !text.equals("false")) {
                        throw new IllegalArgumentException("not true or false");
                    }
                    yield Boolean.parseBoolean(text);
                }
                case ENUM -> {
                    var value = field.getEnumType().findValueByName(text);
                    if (value == null) {
                        throw new IllegalArgumentException("allowed: "
                                + field.getEnumType().getValues().stream()
                                        .map(v -> v.getName())
                                        .collect(Collectors.joining(", ")));
                    }
                    yield value;
                }
                default ->
                    throw new IllegalArgumentException("type " + field.getJavaType() + " cannot be set from text");
            };
        } catch (IllegalArgumentException e) {
            String why = e instanceof NumberFormatException
                    ? "not a " + field.getJavaType().name().toLowerCase()
                    : e.getMessage();
            throw new IllegalArgumentException(
                    "override '" + override + "': " + field.getFullName() + " = '" + text + "' is " + "invalid (" + why
                            + ")",
                    e);
        }
    }
}
