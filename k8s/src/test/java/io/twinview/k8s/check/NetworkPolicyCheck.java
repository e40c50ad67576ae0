package io.twinview.k8s.check;

import com.fasterxml.jackson.databind.JsonNode;
import io.twinview.k8s.Check;
import io.twinview.k8s.Json;
import io.twinview.k8s.Manifest;
import io.twinview.k8s.Manifests;
import io.twinview.k8s.PodTemplate;
import io.twinview.k8s.Violation;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Network: every namespace with workloads denies all ingress and egress by default (a policy selecting every
 * pod, both types, no rule) and allows DNS; a policy port given by name names a port of the pods it is about
 * (for ingress: the selected pods; for egress: any pod of the namespace).
 */
public final class NetworkPolicyCheck implements Check {

    @Override
    public List<Violation> check(Manifests manifests) {
        List<Violation> violations = new ArrayList<>();
        Set<String> namespaces = new LinkedHashSet<>();
        for (PodTemplate pod : manifests.podTemplates()) {
            if (!pod.manifest().is("Job") || !manifests.ofKind("NetworkPolicy").isEmpty()) {
                namespaces.add(pod.manifest().namespace());
            }
        }
        List<Manifest> policies = manifests.ofKind("NetworkPolicy");
        for (String namespace : namespaces) {
            List<Manifest> here = policies.stream()
                    .filter(p -> p.namespace().equals(namespace))
                    .toList();
            if (here.stream().noneMatch(NetworkPolicyCheck::defaultDeny)) {
                Manifest first = manifests.podTemplates().stream()
                        .filter(t -> t.manifest().namespace().equals(namespace))
                        .findFirst()
                        .orElseThrow()
                        .manifest();
                violations.add(Violation.of(
                        first,
                        "metadata.namespace",
                        "namespace '" + namespace + "' has no default-deny NetworkPolicy (podSelector {}, policyTypes"
                                + " Ingress and Egress, no rules)"));
            }
            if (!here.isEmpty() && here.stream().noneMatch(NetworkPolicyCheck::allowsDns)) {
                violations.add(Violation.of(
                        here.get(0),
                        "spec.egress",
                        "no NetworkPolicy of namespace '" + namespace + "' allows DNS (port 53)"));
            }
        }
        for (Manifest policy : policies) {
            checkNamedPorts(manifests, policy, violations);
        }
        return violations;
    }

    private static boolean defaultDeny(Manifest policy) {
        JsonNode spec = policy.at("spec");
        Set<String> types = new LinkedHashSet<>();
        spec.path("policyTypes").forEach(t -> types.add(t.asText()));
        return spec.path("podSelector").isObject()
                && spec.path("podSelector").isEmpty()
                && types.containsAll(List.of("Ingress", "Egress"))
                && spec.path("ingress").isEmpty()
                && spec.path("egress").isEmpty();
    }

    private static boolean allowsDns(Manifest policy) {
        for (JsonNode rule : policy.at("spec.egress")) {
            for (JsonNode port : rule.path("ports")) {
                if (port.path("port").asInt(-1) == 53) {
                    return true;
                }
            }
        }
        return false;
    }

    private static void checkNamedPorts(Manifests manifests, Manifest policy, List<Violation> violations) {
        for (String direction : List.of("ingress", "egress")) {
            JsonNode rules = policy.at("spec." + direction);
            List<PodTemplate> candidates = direction.equals("ingress")
                    ? manifests.selectedBy(policy.namespace(), policy.at("spec.podSelector"), true)
                    : manifests.podTemplates().stream()
                            .filter(t -> t.manifest().namespace().equals(policy.namespace()))
                            .toList();
            for (int r = 0; r < rules.size(); r++) {
                JsonNode ports = rules.get(r).path("ports");
                for (int p = 0; p < ports.size(); p++) {
                    JsonNode port = ports.get(p).path("port");
                    if (!port.isTextual() || candidates.isEmpty()) {
                        continue;
                    }
                    boolean declared = candidates.stream()
                            .flatMap(t -> t.containers().stream())
                            .anyMatch(c -> c.hasPort(port.asText()));
                    if (!declared) {
                        violations.add(Violation.of(
                                policy,
                                Json.index(Json.index("spec." + direction, r) + ".ports", p) + ".port",
                                "names port " + port.asText() + ", which no pod it is about declares"));
                    }
                }
            }
        }
    }
}
