package io.twinview.k8s.check;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.twinview.k8s.Json;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The unknown fields of a fabric8 model: every model class keeps what it does not know in
 * {@code additionalProperties}, so a walk over the typed tree that finds a non-empty one has found a typo
 * (or a field of another API version), at its JSON path.
 */
final class StrictModel {

    private static final String MODEL_PACKAGE = "io.fabric8.kubernetes.api.model";

    private StrictModel() {}

    /** Paths of the unknown fields under {@code model}, {@code path} being where the model sits in its document. */
    static List<String> unknownFields(Object model, String path) {
        List<String> unknown = new ArrayList<>();
        walk(model, path, unknown);
        return unknown;
    }

    private static void walk(Object value, String path, List<String> unknown) {
        if (value == null) {
            return;
        }
        if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                walk(list.get(i), Json.index(path, i), unknown);
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((key, item) -> walk(item, Json.child(path, String.valueOf(key)), unknown));
            return;
        }
        if (!value.getClass().getName().startsWith(MODEL_PACKAGE)) {
            return;
        }
        for (Class<?> type = value.getClass(); type != null && type != Object.class; type = type.getSuperclass()) {
            for (Field field : type.getDeclaredFields()) {
                if (Modifier.isStatic(field.getModifiers())) {
                    continue;
                }
                Object fieldValue = read(field, value);
                if (field.getName().equals("additionalProperties") && fieldValue instanceof Map<?, ?> extra) {
                    extra.keySet().forEach(key -> unknown.add(Json.child(path, String.valueOf(key))));
                    continue;
                }
                JsonProperty property = field.getAnnotation(JsonProperty.class);
                if (property != null) {
                    String name = property.value().isEmpty() ? field.getName() : property.value();
                    walk(fieldValue, Json.child(path, name), unknown);
                }
            }
        }
    }

    private static Object read(Field field, Object owner) {
        try {
            field.setAccessible(true);
            return field.get(owner);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException(
                    "cannot read " + field + " of a " + owner.getClass().getName(), e);
        }
    }
}
