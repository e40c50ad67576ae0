package io.twinview.k8s.check;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.path.NodePath;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.twinview.k8s.Check;
import io.twinview.k8s.Manifest;
import io.twinview.k8s.Manifests;
import io.twinview.k8s.Violation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Custom resources (Strimzi, KEDA) against the {@code openAPIV3Schema} of their CRD, matched by group, kind
 * and served version (see {@link CrdSchemas} for how strict), and their metadata against ObjectMeta's
 * typed model. A custom resource whose CRD is not in the folder fails: nothing passes unchecked.
 */
public final class CustomResourceCheck implements Check {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final CrdSchemas schemas;

    public CustomResourceCheck(Path crdFolder) {
        this.schemas = CrdSchemas.load(crdFolder);
    }

    @Override
    public List<Violation> check(Manifests manifests) {
        List<Violation> violations = new ArrayList<>();
        for (Manifest manifest : manifests.all()) {
            if (TypedModelCheck.builtIn(manifest)) {
                continue;
            }
            var entry = schemas.find(manifest.group(), manifest.kind(), manifest.version());
            if (entry.isEmpty()) {
                Set<String> versions = schemas.versions(manifest.group(), manifest.kind());
                violations.add(Violation.of(
                        manifest,
                        "apiVersion",
                        versions.isEmpty()
                                ? "no CustomResourceDefinition of " + manifest.group() + " " + manifest.kind() + " in "
                                        + schemas.folder()
                                : manifest.apiVersion() + " is not a served version of " + manifest.kind()
                                        + " (served: " + versions + ")"));
                continue;
            }
            for (var error :
                    entry.get().schema().validate(manifest.body().toString(), com.networknt.schema.InputFormat.JSON)) {
                String at = path(error.getInstanceLocation());
                violations.add(Violation.of(
                        manifest,
                        error.getProperty() == null ? at : io.twinview.k8s.Json.child(at, error.getProperty()),
                        error.getMessage() + " (" + entry.get().source() + ", keyword " + error.getKeyword() + ")"));
            }
            try {
                ObjectMeta metadata = JSON.treeToValue(manifest.at("metadata"), ObjectMeta.class);
                for (String unknown : StrictModel.unknownFields(metadata, "metadata")) {
                    violations.add(Violation.of(manifest, unknown, "unknown field of ObjectMeta"));
                }
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                violations.add(
                        Violation.of(manifest, "metadata", "does not parse as ObjectMeta: " + e.getOriginalMessage()));
            }
        }
        return violations;
    }

    /** The instance location as the other checks write paths ({@code spec.ports[0].name}). */
    private static String path(NodePath location) {
        String path = "";
        for (int i = 0; i < location.getNameCount(); i++) {
            Object element = location.getElement(i);
            path = element instanceof Integer index
                    ? io.twinview.k8s.Json.index(path, index)
                    : io.twinview.k8s.Json.child(path, String.valueOf(element));
        }
        return path;
    }
}
