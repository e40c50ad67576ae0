package io.twinview.k8s.check;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Quantity;
import io.twinview.k8s.Check;
import io.twinview.k8s.Json;
import io.twinview.k8s.Manifests;
import io.twinview.k8s.PodTemplate;
import io.twinview.k8s.Violation;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * Requests and limits of cpu and memory on every container, requests within limits; extended resources
 * (GPUs: {@code nvidia.com/gpu}) in limits, and in requests only as the same amount (Kubernetes does not
 * overcommit them: a GPU in requests only is refused by the API server). emptyDirs fit their pod: the disk ones
 * within the containers' ephemeral-storage limits, a memory one within the memory limit of a container
 * mounting it (both count against those limits; beyond them the kubelet evicts the pod).
 */
public final class ResourcesCheck implements Check {

    private static final List<String> REQUIRED = List.of("cpu", "memory");

    @Override
    public List<Violation> check(Manifests manifests) {
        List<Violation> violations = new ArrayList<>();
        for (PodTemplate pod : manifests.podTemplates()) {
            for (PodTemplate.Container container : pod.containers()) {
                check(pod, container, violations);
            }
            checkEmptyDirs(pod, violations);
        }
        return violations;
    }

    private static void checkEmptyDirs(PodTemplate pod, List<Violation> violations) {
        BigDecimal disk = BigDecimal.ZERO;
        JsonNode volumes = pod.spec().path("volumes");
        for (int i = 0; i < volumes.size(); i++) {
            JsonNode emptyDir = volumes.get(i).path("emptyDir");
            if (!emptyDir.isObject()) {
                continue;
            }
            String path = Json.index(pod.specPath() + ".volumes", i) + ".emptyDir.sizeLimit";
            if (!emptyDir.has("sizeLimit")) {
                violations.add(
                        Violation.of(pod.manifest(), path, "is missing: an emptyDir without one may fill the node"));
                continue;
            }
            BigDecimal size = amount(emptyDir, "sizeLimit");
            if (!emptyDir.path("medium").asText().equals("Memory")) {
                disk = disk.add(size);
                continue;
            }
            String name = volumes.get(i).path("name").asText();
            for (PodTemplate.Container container : pod.containers()) {
                boolean mounts = false;
                for (JsonNode mount : container.node().path("volumeMounts")) {
                    mounts |= mount.path("name").asText().equals(name);
                }
                JsonNode limits = container.node().path("resources").path("limits");
                if (mounts && limits.has("memory") && size.compareTo(amount(limits, "memory")) > 0) {
                    violations.add(Violation.of(
                            pod.manifest(),
                            path,
                            emptyDir.path("sizeLimit").asText() + " of memory is above the memory limit "
                                    + limits.path("memory").asText() + " of container " + container.name()));
                }
            }
        }
        if (disk.signum() == 0) {
            return;
        }
        BigDecimal ephemeral = BigDecimal.ZERO;
        for (PodTemplate.Container container : pod.containers()) {
            JsonNode limits = container.node().path("resources").path("limits");
            if (!container.init() && limits.has("ephemeral-storage")) {
                ephemeral = ephemeral.add(amount(limits, "ephemeral-storage"));
            }
        }
        if (disk.compareTo(ephemeral) > 0) {
            violations.add(Violation.of(
                    pod.manifest(),
                    pod.specPath() + ".volumes",
                    "emptyDirs of " + disk.toBigInteger()
                            + " bytes do not fit the containers' ephemeral-storage limits (" + ephemeral.toBigInteger()
                            + " bytes): the kubelet would evict the pod before they fill"));
        }
    }

    private static void check(PodTemplate pod, PodTemplate.Container container, List<Violation> violations) {
        String path = container.path() + ".resources";
        JsonNode requests = container.node().path("resources").path("requests");
        JsonNode limits = container.node().path("resources").path("limits");
        for (String resource : REQUIRED) {
            for (String kind : List.of("requests", "limits")) {
                JsonNode amounts = kind.equals("requests") ? requests : limits;
                if (!amounts.has(resource)) {
                    violations.add(Violation.of(
                            pod.manifest(),
                            path + "." + kind + "." + resource,
                            "is missing: every container states its " + kind + " of cpu and memory"));
                }
            }
            if (requests.has(resource)
                    && limits.has(resource)
                    && amount(requests, resource).compareTo(amount(limits, resource)) > 0) {
                violations.add(Violation.of(
                        pod.manifest(),
                        path + ".requests." + resource,
                        requests.path(resource).asText() + " is above its limit "
                                + limits.path(resource).asText()));
            }
        }
        var names = requests.fieldNames();
        while (names.hasNext()) {
            String resource = names.next();
            if (!resource.contains("/")) {
                continue;
            }
            String requestPath = Json.child(path + ".requests", resource);
            if (!limits.has(resource)) {
                violations.add(Violation.of(
                        pod.manifest(),
                        requestPath,
                        resource + " is in requests only: an extended resource goes in limits (requests default to"
                                + " them)"));
            } else if (amount(requests, resource).compareTo(amount(limits, resource)) != 0) {
                violations.add(Violation.of(
                        pod.manifest(),
                        requestPath,
                        resource + " request " + requests.path(resource).asText() + " differs from its limit "
                                + limits.path(resource).asText() + ": extended resources are not overcommitted"));
            }
        }
    }

    private static BigDecimal amount(JsonNode amounts, String resource) {
        return Quantity.getAmountInBytes(new Quantity(amounts.path(resource).asText()));
    }
}
