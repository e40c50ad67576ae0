package io.twinview.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.util.LinkedHashMap;
import java.util.Map;

/** One JSON object on one line, keys in insertion order. */
final class JsonLine {

    private static final Gson GSON = new GsonBuilder()
            .disableHtmlEscaping()
            .serializeSpecialFloatingPointValues()
            .create();
    private final Map<String, Object> fields = new LinkedHashMap<>();

    JsonLine put(String key, Object value) {
        fields.put(key, value);
        return this;
    }

    JsonLine put(String key, long value) {
        fields.put(key, value);
        return this;
    }

    /** Rounded to 4 decimals: fractions and rates, not noise. */
    JsonLine put(String key, double value) {
        fields.put(key, Math.round(value * 10_000) / 10_000.0);
        return this;
    }

    @Override
    public String toString() {
        return GSON.toJson(fields);
    }
}
