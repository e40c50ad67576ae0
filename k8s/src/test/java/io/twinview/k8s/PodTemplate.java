package io.twinview.k8s;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** The pod template of a workload, with the path to it inside the document ({@code spec.template}). */
public record PodTemplate(Manifest manifest, String path, JsonNode template) {

    /** The images of twinview's three services, wherever they are pulled from. */
    private static final Pattern SERVICE_IMAGE = Pattern.compile("(^|.*/)twinview/(augment|trainer|eval)([:@].*)?$");

    public JsonNode spec() {
        return template.path("spec");
    }

    public String specPath() {
        return path + ".spec";
    }

    public Map<String, String> labels() {
        Map<String, String> labels = new HashMap<>();
        template.path("metadata")
                .path("labels")
                .fields()
                .forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        return labels;
    }

    /** Every container, init containers first, with its path ({@code spec.template.spec.containers[0]}). */
    public List<Container> containers() {
        List<Container> containers = new ArrayList<>();
        for (String field : List.of("initContainers", "containers")) {
            JsonNode list = spec().path(field);
            for (int i = 0; i < list.size(); i++) {
                containers.add(new Container(
                        this, Json.index(specPath() + "." + field, i), list.get(i), field.equals("initContainers")));
            }
        }
        return containers;
    }

    /** A container of a pod template. */
    public record Container(PodTemplate pod, String path, JsonNode node, boolean init) {

        public String name() {
            return node.path("name").asText();
        }

        public String image() {
            return node.path("image").asText();
        }

        /** augment, trainer or eval when this runs one of twinview's service images, else "". */
        public String service() {
            var matcher = SERVICE_IMAGE.matcher(image());
            return matcher.matches() ? matcher.group(2) : "";
        }

        public boolean hasPort(String name) {
            for (JsonNode port : node.path("ports")) {
                if (port.path("name").asText().equals(name)) {
                    return true;
                }
            }
            return false;
        }

        public boolean hasPortNumber(int number) {
            for (JsonNode port : node.path("ports")) {
                if (port.path("containerPort").asInt(-1) == number) {
                    return true;
                }
            }
            return false;
        }

        /** The explicit value of an environment variable, or null (absent or valueFrom). */
        public String envValue(String name) {
            for (JsonNode env : node.path("env")) {
                if (env.path("name").asText().equals(name) && env.has("value")) {
                    return env.path("value").asText();
                }
            }
            return null;
        }
    }
}
