package io.twinview.k8s.check;

import com.fasterxml.jackson.databind.JsonNode;
import io.twinview.k8s.Check;
import io.twinview.k8s.Manifests;
import io.twinview.k8s.PodTemplate;
import io.twinview.k8s.Violation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * How each service is rolled and stopped:
 * <ul>
 *   <li>the trainer: one replica and {@code Recreate} (one process owns the runs; two would train the same run);
 *   <li>workers: {@code RollingUpdate} with maxSurge and maxUnavailable said, not left to defaults;
 *   <li>every pod: an explicit {@code terminationGracePeriodSeconds}; workers and trainer beyond the Kafka
 *       producer's delivery timeout (a task's last ViewBatch, a checkpoint's event must be acknowledged),
 *       eval beyond Kubernetes' 30 s default.
 * </ul>
 */
public final class WorkloadCheck implements Check {

    /** Kafka's delivery.timeout.ms default, in seconds (120): the longest a send waits for its acknowledgement. */
    static final long DELIVERY_TIMEOUT_S =
            ((Number) ProducerConfig.configDef().defaultValues().get(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG))
                            .longValue()
                    / 1000;

    private static final Map<String, Long> GRACE_ABOVE =
            Map.of("augment", DELIVERY_TIMEOUT_S, "trainer", DELIVERY_TIMEOUT_S, "eval", 30L);

    @Override
    public List<Violation> check(Manifests manifests) {
        List<Violation> violations = new ArrayList<>();
        for (PodTemplate pod : manifests.podTemplates()) {
            var manifest = pod.manifest();
            JsonNode grace = pod.spec().path("terminationGracePeriodSeconds");
            String gracePath = pod.specPath() + ".terminationGracePeriodSeconds";
            if (!grace.isNumber()) {
                violations.add(Violation.of(
                        manifest, gracePath, "is missing: say how long the pod may take to stop, and why"));
            }
            for (PodTemplate.Container container : pod.containers()) {
                String service = container.service();
                if (service.isEmpty()) {
                    continue;
                }
                long above = GRACE_ABOVE.get(service);
                if (grace.isNumber() && grace.asLong() <= above) {
                    violations.add(Violation.of(
                            manifest,
                            gracePath,
                            "is " + grace.asLong() + " s: the " + service + " service needs more than " + above
                                    + " s to finish its work"));
                }
                if (!manifest.is("Deployment")) {
                    continue;
                }
                String strategy = manifest.at("spec.strategy.type").asText("RollingUpdate");
                if (service.equals("trainer")) {
                    if (manifest.at("spec.replicas").asInt(1) != 1) {
                        violations.add(Violation.of(
                                manifest,
                                "spec.replicas",
                                "must be 1: one trainer owns the runs, was " + manifest.at("spec.replicas")));
                    }
                    if (!strategy.equals("Recreate")) {
                        violations.add(Violation.of(
                                manifest,
                                "spec.strategy.type",
                                "must be Recreate: an old and a new trainer must never run at once, was " + strategy));
                    }
                }
                if (service.equals("augment")) {
                    if (!strategy.equals("RollingUpdate")) {
                        violations.add(Violation.of(
                                manifest, "spec.strategy.type", "must be RollingUpdate for workers, was " + strategy));
                    }
                    for (String field : List.of("maxSurge", "maxUnavailable")) {
                        if (!manifest.at("spec.strategy.rollingUpdate").has(field)) {
                            violations.add(Violation.of(
                                    manifest,
                                    "spec.strategy.rollingUpdate." + field,
                                    "is missing: say how many workers a rollout adds and removes at a time"));
                        }
                    }
                }
            }
        }
        return violations;
    }
}
