package io.twinview.k8s.check;

import com.fasterxml.jackson.databind.JsonNode;
import io.twinview.k8s.Check;
import io.twinview.k8s.Json;
import io.twinview.k8s.Manifest;
import io.twinview.k8s.Manifests;
import io.twinview.k8s.PodTemplate;
import io.twinview.k8s.Violation;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Credentials are referenced, never written down: no credential-like environment variable with a plain
 * value, none in a ConfigMap, and (unless the rendering may generate dev-only ones) no Secret with data.
 */
public final class SecretsCheck implements Check {

    /** Names of settings that hold credentials (TWINVIEW_STORAGE_SECRET_KEY, KAFKA_SASL_JAAS_CONFIG, ...). */
    static final Pattern CREDENTIAL =
            Pattern.compile(".*(SECRET|PASSWORD|PASSWD|JAAS|CREDENTIAL|TOKEN|ACCESS_KEY|PRIVATE_KEY).*");

    /** A path to a mounted credential (TWINVIEW_GRPC_TOKEN_FILE), not the credential itself. */
    static final Pattern PATH_TO_CREDENTIAL = Pattern.compile(".*_FILE");

    private final boolean secretDataAllowed;

    /**
     * @param secretDataAllowed whether Secrets with data may be rendered (overlays/dev generates dev-only ones)
     */
    public SecretsCheck(boolean secretDataAllowed) {
        this.secretDataAllowed = secretDataAllowed;
    }

    @Override
    public List<Violation> check(Manifests manifests) {
        List<Violation> violations = new ArrayList<>();
        if (!secretDataAllowed) {
            for (Manifest secret : manifests.ofKind("Secret")) {
                for (String field : List.of("data", "stringData")) {
                    if (secret.at(field).size() > 0) {
                        violations.add(Violation.of(
                                secret,
                                field,
                                "holds credentials in the manifests: reference a Secret the environment creates"));
                    }
                }
            }
        }
        for (Manifest configMap : manifests.ofKind("ConfigMap")) {
            configMap.at("data").fieldNames().forEachRemaining(key -> {
                if (CREDENTIAL.matcher(key.toUpperCase()).matches()) {
                    violations.add(Violation.of(
                            configMap, Json.child("data", key), "looks like a credential: put it in a Secret"));
                }
            });
        }
        for (PodTemplate pod : manifests.podTemplates()) {
            for (PodTemplate.Container container : pod.containers()) {
                JsonNode env = container.node().path("env");
                for (int i = 0; i < env.size(); i++) {
                    String name = env.get(i).path("name").asText();
                    if (CREDENTIAL.matcher(name).matches()
                            && !PATH_TO_CREDENTIAL.matcher(name).matches()
                            && env.get(i).has("value")) {
                        violations.add(Violation.of(
                                pod.manifest(),
                                Json.index(container.path() + ".env", i) + ".value",
                                name + " is a credential written inline: use valueFrom.secretKeyRef"));
                    }
                }
            }
        }
        return violations;
    }
}
