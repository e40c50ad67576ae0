package io.twinview.k8s.check;

import com.fasterxml.jackson.databind.JsonNode;
import io.twinview.k8s.Check;
import io.twinview.k8s.Manifests;
import io.twinview.k8s.PodTemplate;
import io.twinview.k8s.Violation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Long-running containers have a startup, a liveness and a readiness probe, each on a named port the
 * container declares. twinview's services answer them on SmallRye Health's paths at their port {@code http}.
 */
public final class ProbesCheck implements Check {

    /** Probe to the path of a twinview service (smallrye-health). */
    static final Map<String, String> SERVICE_PATHS = new LinkedHashMap<>(Map.of(
            "startupProbe", "/q/health/started",
            "livenessProbe", "/q/health/live",
            "readinessProbe", "/q/health/ready"));

    static final String SERVICE_PORT = "http";

    private static final Set<String> LONG_RUNNING = Set.of("Deployment", "StatefulSet", "DaemonSet");

    @Override
    public List<Violation> check(Manifests manifests) {
        List<Violation> violations = new ArrayList<>();
        for (PodTemplate pod : manifests.podTemplates()) {
            if (!LONG_RUNNING.contains(pod.manifest().kind())) {
                continue;
            }
            for (PodTemplate.Container container : pod.containers()) {
                if (!container.init()) {
                    check(pod, container, violations);
                }
            }
        }
        return violations;
    }

    private static void check(PodTemplate pod, PodTemplate.Container container, List<Violation> violations) {
        for (String probe : SERVICE_PATHS.keySet()) {
            String path = container.path() + "." + probe;
            JsonNode node = container.node().path(probe);
            if (!node.isObject()) {
                violations.add(Violation.of(pod.manifest(), path, "is missing"));
                continue;
            }
            String handler = node.has("httpGet")
                    ? "httpGet"
                    : node.has("tcpSocket") ? "tcpSocket" : node.has("grpc") ? "grpc" : "";
            if (handler.isEmpty()) {
                continue; // exec: no port
            }
            JsonNode port = node.path(handler).path("port");
            String portPath = path + "." + handler + ".port";
            if (!port.isTextual()) {
                violations.add(Violation.of(
                        pod.manifest(), portPath, "must name a container port, was " + port + " (a number)"));
            } else if (!container.hasPort(port.asText())) {
                violations.add(Violation.of(
                        pod.manifest(),
                        portPath,
                        "names port " + port.asText() + ", which container " + container.name() + " does not declare"));
            }
            if (!container.service().isEmpty()) {
                String expected = SERVICE_PATHS.get(probe);
                if (!handler.equals("httpGet")
                        || !node.path("httpGet").path("path").asText().equals(expected)) {
                    violations.add(Violation.of(
                            pod.manifest(),
                            path + ".httpGet.path",
                            "must be " + expected + " (SmallRye Health of the " + container.service()
                                    + " service), was "
                                    + (handler.equals("httpGet")
                                            ? node.path("httpGet").path("path").asText()
                                            : handler)));
                }
                if (!port.asText().equals(SERVICE_PORT)) {
                    violations.add(Violation.of(
                            pod.manifest(),
                            portPath,
                            "must be " + SERVICE_PORT + ", the service's http port, was " + port));
                }
            }
        }
    }
}
