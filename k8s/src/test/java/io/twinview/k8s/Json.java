package io.twinview.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.ArrayList;
import java.util.List;

/** Paths into rendered trees, written as the failure messages write them: {@code spec.containers[0].ports}. */
public final class Json {

    private Json() {}

    /** The node at {@code path} ({@code a.b[2].c}; a key holding dots in brackets: {@code limits["nvidia.com/gpu"]}). */
    public static JsonNode at(JsonNode root, String path) {
        JsonNode node = root;
        for (String step : steps(path)) {
            if (node == null || node.isMissingNode()) {
                return MissingNode.getInstance();
            }
            node = step.startsWith("#") ? node.path(Integer.parseInt(step.substring(1))) : node.path(step);
        }
        return node == null ? MissingNode.getInstance() : node;
    }

    public static boolean present(JsonNode node) {
        return node != null && !node.isMissingNode() && !node.isNull();
    }

    /** {@code parent.key}, or {@code parent["a.b"]} for a key that holds a dot or a slash. */
    public static String child(String parent, String key) {
        String step = key.matches("[A-Za-z0-9_-]+") ? key : "[\"" + key + "\"]";
        if (parent.isEmpty()) {
            return step;
        }
        return step.startsWith("[") ? parent + step : parent + "." + step;
    }

    public static String index(String parent, int index) {
        return parent + "[" + index + "]";
    }

    /** Path steps; an index as {@code #N}. */
    static List<String> steps(String path) {
        List<String> steps = new ArrayList<>();
        int i = 0;
        StringBuilder current = new StringBuilder();
        while (i < path.length()) {
            char c = path.charAt(i);
            if (c == '.') {
                flush(current, steps);
                i++;
            } else if (c == '[') {
                flush(current, steps);
                int end = path.indexOf(']', i);
                String inside = path.substring(i + 1, end);
                steps.add(inside.startsWith("\"") ? inside.substring(1, inside.length() - 1) : "#" + inside);
                i = end + 1;
            } else {
                current.append(c);
                i++;
            }
        }
        flush(current, steps);
        return steps;
    }

    private static void flush(StringBuilder current, List<String> steps) {
        if (!current.isEmpty()) {
            steps.add(current.toString());
            current.setLength(0);
        }
    }
}
