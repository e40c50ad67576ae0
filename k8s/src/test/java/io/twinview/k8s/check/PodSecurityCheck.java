package io.twinview.k8s.check;

import com.fasterxml.jackson.databind.JsonNode;
import io.twinview.k8s.Check;
import io.twinview.k8s.Json;
import io.twinview.k8s.Manifests;
import io.twinview.k8s.PodTemplate;
import io.twinview.k8s.Violation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Pod Security Standards' "restricted" profile (what admission enforces on the namespaces), and the project's
 * own rules on top: uid 10001 (the images' user), a read-only root filesystem, and an emptyDir at /tmp of every
 * container and at /var/cache/twinview of the service containers (DJL natives and dataset caches).
 */
public final class PodSecurityCheck implements Check {

    static final long IMAGE_UID = 10001;
    static final String CACHE = "/var/cache/twinview";

    /** The volume types the restricted profile allows. */
    private static final Set<String> RESTRICTED_VOLUMES = Set.of(
            "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret");

    @Override
    public List<Violation> check(Manifests manifests) {
        List<Violation> violations = new ArrayList<>();
        for (PodTemplate pod : manifests.podTemplates()) {
            checkPod(pod, violations);
            for (PodTemplate.Container container : pod.containers()) {
                checkContainer(pod, container, violations);
            }
        }
        return violations;
    }

    private static void checkPod(PodTemplate pod, List<Violation> violations) {
        JsonNode spec = pod.spec();
        for (String host : List.of("hostNetwork", "hostPID", "hostIPC")) {
            if (spec.path(host).asBoolean(false)) {
                violations.add(
                        Violation.of(pod.manifest(), pod.specPath() + "." + host, "must not be true (restricted)"));
            }
        }
        JsonNode volumes = spec.path("volumes");
        for (int i = 0; i < volumes.size(); i++) {
            JsonNode volume = volumes.get(i);
            var fields = volume.fieldNames();
            while (fields.hasNext()) {
                String type = fields.next();
                if (!type.equals("name") && !RESTRICTED_VOLUMES.contains(type)) {
                    violations.add(Violation.of(
                            pod.manifest(),
                            Json.index(pod.specPath() + ".volumes", i) + "." + type,
                            "volume type " + type + " is not allowed by the restricted profile (allowed: "
                                    + RESTRICTED_VOLUMES + ")"));
                }
            }
        }
    }

    private static void checkContainer(PodTemplate pod, PodTemplate.Container container, List<Violation> violations) {
        JsonNode podContext = pod.spec().path("securityContext");
        JsonNode context = container.node().path("securityContext");
        String podPath = pod.specPath() + ".securityContext";
        String path = container.path() + ".securityContext";
        var manifest = pod.manifest();

        // restricted: runAsNonRoot, on the pod or on the container (the container's wins)
        JsonNode nonRoot = context.has("runAsNonRoot") ? context.path("runAsNonRoot") : podContext.path("runAsNonRoot");
        if (!nonRoot.asBoolean(false)) {
            violations.add(Violation.of(
                    manifest,
                    context.has("runAsNonRoot") ? path + ".runAsNonRoot" : podPath + ".runAsNonRoot",
                    "must be true (restricted), in the pod's or the container's securityContext"));
        }
        JsonNode user = context.has("runAsUser") ? context.path("runAsUser") : podContext.path("runAsUser");
        String userPath = context.has("runAsUser") ? path + ".runAsUser" : podPath + ".runAsUser";
        if (user.asLong(-1) == 0) {
            violations.add(Violation.of(manifest, userPath, "must not be 0 (restricted)"));
        } else if (user.asLong(-1) != IMAGE_UID) {
            violations.add(
                    Violation.of(manifest, userPath, "must be " + IMAGE_UID + ", the images' user, was " + text(user)));
        }
        // restricted: seccomp RuntimeDefault or Localhost
        JsonNode seccomp =
                context.has("seccompProfile") ? context.path("seccompProfile") : podContext.path("seccompProfile");
        String seccompType = seccomp.path("type").asText("");
        if (!seccompType.equals("RuntimeDefault") && !seccompType.equals("Localhost")) {
            violations.add(Violation.of(
                    manifest,
                    context.has("seccompProfile") ? path + ".seccompProfile" : podPath + ".seccompProfile",
                    "type must be RuntimeDefault or Localhost (restricted), on the pod or the container, was "
                            + (seccompType.isEmpty() ? "absent" : seccompType)));
        }
        if (context.path("privileged").asBoolean(false)) {
            violations.add(Violation.of(manifest, path + ".privileged", "must not be true (restricted)"));
        }
        if (!context.has("allowPrivilegeEscalation")
                || context.path("allowPrivilegeEscalation").asBoolean(true)) {
            violations.add(Violation.of(manifest, path + ".allowPrivilegeEscalation", "must be false (restricted)"));
        }
        boolean dropsAll = false;
        for (JsonNode drop : context.path("capabilities").path("drop")) {
            dropsAll |= drop.asText().equals("ALL");
        }
        if (!dropsAll) {
            violations.add(Violation.of(manifest, path + ".capabilities.drop", "must include ALL (restricted)"));
        }
        for (JsonNode add : context.path("capabilities").path("add")) {
            if (!add.asText().equals("NET_BIND_SERVICE")) {
                violations.add(Violation.of(
                        manifest,
                        path + ".capabilities.add",
                        "may add NET_BIND_SERVICE only (restricted), adds " + add.asText()));
            }
        }
        JsonNode ports = container.node().path("ports");
        for (int i = 0; i < ports.size(); i++) {
            if (ports.get(i).path("hostPort").asInt(0) != 0) {
                violations.add(Violation.of(
                        manifest, Json.index(container.path() + ".ports", i) + ".hostPort", "must not be set"));
            }
        }
        // project rules
        if (!context.path("readOnlyRootFilesystem").asBoolean(false)) {
            violations.add(Violation.of(
                    manifest, path + ".readOnlyRootFilesystem", "must be true (writable paths are emptyDirs)"));
        }
        Map<String, String> mounts = emptyDirMounts(pod, container);
        if (!mounts.containsKey("/tmp")) {
            violations.add(Violation.of(
                    manifest, container.path() + ".volumeMounts", "needs an emptyDir at /tmp (read-only root)"));
        }
        if (!container.service().isEmpty() && !mounts.containsKey(CACHE)) {
            violations.add(Violation.of(
                    manifest,
                    container.path() + ".volumeMounts",
                    "needs an emptyDir at " + CACHE + " (the " + container.service() + " image's caches)"));
        }
    }

    /** mount path to volume name, for the container's mounts of emptyDir volumes. */
    private static Map<String, String> emptyDirMounts(PodTemplate pod, PodTemplate.Container container) {
        Map<String, JsonNode> volumes = new HashMap<>();
        pod.spec().path("volumes").forEach(v -> volumes.put(v.path("name").asText(), v));
        Map<String, String> mounts = new HashMap<>();
        for (JsonNode mount : container.node().path("volumeMounts")) {
            JsonNode volume = volumes.get(mount.path("name").asText());
            if (volume != null && volume.has("emptyDir")) {
                mounts.put(mount.path("mountPath").asText(), mount.path("name").asText());
            }
        }
        return mounts;
    }

    private static String text(JsonNode node) {
        return Json.present(node) ? node.toString() : "absent";
    }
}
