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

/**
 * Services reach pods: the selector matches a pod template's labels in the same namespace, every port is
 * named, and its targetPort is a port those pods declare (a named targetPort is the port's own name:
 * {@code grpc} to {@code grpc}, {@code http} to {@code http}).
 */
public final class ServiceCheck implements Check {

    @Override
    public List<Violation> check(Manifests manifests) {
        List<Violation> violations = new ArrayList<>();
        for (Manifest service : manifests.ofKind("Service")) {
            JsonNode selector = service.at("spec.selector");
            List<PodTemplate> pods = manifests.selectedBy(service.namespace(), selector, false);
            if (pods.isEmpty()) {
                violations.add(Violation.of(
                        service,
                        "spec.selector",
                        selector + " matches the labels of no pod template of the rendering"));
                continue;
            }
            JsonNode ports = service.at("spec.ports");
            for (int i = 0; i < ports.size(); i++) {
                JsonNode port = ports.get(i);
                String path = Json.index("spec.ports", i);
                String name = port.path("name").asText("");
                if (name.isEmpty()) {
                    violations.add(Violation.of(service, path + ".name", "every Service port is named"));
                }
                JsonNode target = port.has("targetPort") ? port.path("targetPort") : port.path("port");
                boolean declared = pods.stream()
                        .flatMap(t -> t.containers().stream())
                        .anyMatch(
                                c -> target.isTextual() ? c.hasPort(target.asText()) : c.hasPortNumber(target.asInt()));
                if (!declared) {
                    violations.add(Violation.of(
                            service,
                            path + ".targetPort",
                            "port " + target + " is declared by no container it selects"));
                }
                if (target.isTextual() && !name.isEmpty() && !name.equals(target.asText())) {
                    violations.add(Violation.of(
                            service,
                            path + ".name",
                            "is " + name + " but targets port " + target.asText() + ": name them alike"));
                }
            }
        }
        return violations;
    }
}
