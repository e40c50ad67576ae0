package io.twinview.core.data;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A dataset URI split into {@code scheme:path?key=value&key=value}, with the size limits its format
 * must open it within. No percent-decoding: paths and values are taken literally, which is all the
 * supported schemes need.
 */
record DatasetUri(String text, String scheme, String path, Map<String, String> params, DatasetLimits limits) {

    static DatasetUri parse(String uri) {
        return parse(uri, DatasetLimits.DEFAULTS);
    }

    static DatasetUri parse(String uri, DatasetLimits limits) {
        if (uri == null || uri.isBlank()) {
            throw new DatasetException(
                    "dataset URI is empty; expected e.g. 'cifar10:/data/cifar?split=train' or 'synthetic:?n=4096'");
        }
        String text = uri.strip();
        int colon = text.indexOf(':');
        if (colon <= 0) {
            throw new DatasetException(
                    "dataset URI '" + uri + "' has no scheme; expected 'cifar10:DIR[?...]' or 'synthetic:[?...]'");
        }
        String scheme = text.substring(0, colon);
        String rest = text.substring(colon + 1);
        int question = rest.indexOf('?');
        // stripped like the whole text, so that "x:DIR ?a=b" and "x:DIR " name the same DIR (found by fuzzing)
        String path = (question < 0 ? rest : rest.substring(0, question)).strip();
        Map<String, String> params = new LinkedHashMap<>();
        if (question >= 0) {
            String query = rest.substring(question + 1);
            if (!query.isEmpty()) {
                for (String pair : query.split("&", -1)) {
                    int eq = pair.indexOf('=');
                    if (eq <= 0 || eq == pair.length() - 1) {
                        throw new DatasetException(
                                "dataset URI '" + uri + "': parameter '" + pair + "' is not of the form key=value");
                    }
                    String key = pair.substring(0, eq);
                    if (params.put(key, pair.substring(eq + 1)) != null) {
                        throw new DatasetException("dataset URI '" + uri + "': parameter '" + key + "' is given twice");
                    }
                }
            }
        }
        return new DatasetUri(uri, scheme, path, Collections.unmodifiableMap(params), limits);
    }

    /** Throws unless every parameter is one of {@code allowed}. */
    void requireOnly(List<String> allowed) {
        for (String key : params.keySet()) {
            if (!allowed.contains(key)) {
                throw new DatasetException("dataset URI '" + text + "': unknown parameter '" + key + "' for scheme "
                        + scheme + "; allowed: " + String.join(", ", allowed));
            }
        }
    }

    DatasetException error(String what) {
        return new DatasetException("dataset URI '" + text + "': " + what);
    }
}
