package io.twinview.k8s.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The {@code openAPIV3Schema} of every served version of the CustomResourceDefinitions in a folder, as JSON
 * Schema (2019-09) made strict the way the API server's pruning would make a typo silently vanish:
 * <ul>
 *   <li>an object schema with {@code properties} allows no other field ({@code additionalProperties: false}),
 *       unless it says {@code x-kubernetes-preserve-unknown-fields} or is an embedded resource;
 *   <li>{@code x-kubernetes-int-or-string} accepts both (the type is dropped, its anyOf kept);
 *   <li>{@code nullable} adds null; OpenAPI's boolean {@code exclusiveMinimum/Maximum} become numbers;
 *   <li>{@code format}, CEL {@code x-kubernetes-validations} and list/map type hints are not checked.
 * </ul>
 */
final class CrdSchemas {

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final SchemaRegistry REGISTRY =
            SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2019_09);
    private static final Set<String> COPIED = Set.of(
            "type",
            "required",
            "enum",
            "minimum",
            "maximum",
            "minLength",
            "maxLength",
            "pattern",
            "minItems",
            "maxItems",
            "uniqueItems",
            "minProperties",
            "maxProperties",
            "multipleOf");

    /** One served version of one CRD. */
    record Entry(String group, String kind, String version, String source, Schema schema) {}

    private final Map<String, Entry> byKey = new HashMap<>();
    private final Map<String, Set<String>> versionsByGroupKind = new HashMap<>();
    private final Path folder;

    private CrdSchemas(Path folder) {
        this.folder = folder;
    }

    /** Every CRD in {@code folder} and its subfolders. */
    static CrdSchemas load(Path folder) {
        CrdSchemas schemas = new CrdSchemas(folder);
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path file :
                    files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                schemas.add(file, YAML.readTree(file.toFile()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the CRDs of " + folder, e);
        }
        return schemas;
    }

    Path folder() {
        return folder;
    }

    Optional<Entry> find(String group, String kind, String version) {
        return Optional.ofNullable(byKey.get(group + "/" + version + " " + kind));
    }

    /** The served versions of group and kind, empty when no CRD defines it. */
    Set<String> versions(String group, String kind) {
        return versionsByGroupKind.getOrDefault(group + " " + kind, Set.of());
    }

    private void add(Path file, JsonNode crd) {
        if (!crd.path("kind").asText().equals("CustomResourceDefinition")) {
            return;
        }
        String group = crd.path("spec").path("group").asText();
        String kind = crd.path("spec").path("names").path("kind").asText();
        for (JsonNode version : crd.path("spec").path("versions")) {
            if (!version.path("served").asBoolean(false)) {
                continue;
            }
            String name = version.path("name").asText();
            JsonNode openApi = version.path("schema").path("openAPIV3Schema");
            String source = folder.relativize(file).toString();
            Schema schema = REGISTRY.getSchema(strict(openApi).toString(), InputFormat.JSON);
            byKey.put(group + "/" + name + " " + kind, new Entry(group, kind, name, source, schema));
            versionsByGroupKind
                    .computeIfAbsent(group + " " + kind, k -> new TreeSet<>())
                    .add(name);
        }
    }

    /** The OpenAPI v3 structural schema as strict JSON Schema (see the class comment). */
    static ObjectNode strict(JsonNode openApi) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        boolean preserve = openApi.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)
                || openApi.path("x-kubernetes-embedded-resource").asBoolean(false);
        boolean intOrString = openApi.path("x-kubernetes-int-or-string").asBoolean(false);
        openApi.fields().forEachRemaining(e -> {
            String key = e.getKey();
            JsonNode value = e.getValue();
            if (COPIED.contains(key) && !(intOrString && key.equals("type"))) {
                out.set(key, value.deepCopy());
            } else if (key.equals("properties")) {
                ObjectNode properties = out.putObject("properties");
                value.fields().forEachRemaining(p -> properties.set(p.getKey(), strict(p.getValue())));
            } else if (key.equals("items") && value.isObject()) {
                out.set("items", strict(value));
            } else if (key.equals("additionalProperties")) {
                out.set(key, value.isObject() ? strict(value) : value.deepCopy());
            } else if (List.of("oneOf", "anyOf", "allOf").contains(key)) {
                ArrayNode branches = out.putArray(key);
                value.forEach(branch -> branches.add(strict(branch)));
            } else if (key.equals("not")) {
                out.set(key, strict(value));
            }
        });
        for (String bound : List.of("Minimum", "Maximum")) {
            JsonNode exclusive = openApi.path("exclusive" + bound);
            if (exclusive.isBoolean()) {
                String plain = bound.toLowerCase();
                if (exclusive.asBoolean() && out.has(plain)) {
                    out.set("exclusive" + bound, out.remove(plain));
                }
            }
        }
        if (openApi.path("nullable").asBoolean(false) && out.has("type")) {
            ArrayNode types =
                    JsonNodeFactory.instance.arrayNode().add(out.get("type")).add("null");
            out.set("type", types);
        }
        if (!preserve
                && openApi.path("type").asText().equals("object")
                && openApi.has("properties")
                && !openApi.has("additionalProperties")) {
            out.put("additionalProperties", false);
        }
        return out;
    }
}
