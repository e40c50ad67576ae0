package io.twinview.k8s.check;

import com.fasterxml.jackson.databind.JsonNode;
import io.twinview.augment.config.AugmentConfig;
import io.twinview.k8s.Check;
import io.twinview.k8s.Json;
import io.twinview.k8s.Manifest;
import io.twinview.k8s.Manifests;
import io.twinview.k8s.ServiceSettings;
import io.twinview.k8s.ServiceSettings.Setting;
import io.twinview.k8s.Violation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * KEDA's ScaledObjects of the workers: the target exists and runs the workers; the kafka trigger watches the
 * workers' own group and topic (their settings, see {@link ServiceSettings}) with the workers' reset policy,
 * one replica per waiting task and at most one per partition with lag; only keys KEDA's kafka scaler knows
 * ({@link KedaKafkaScaler}); never more replicas than the topic has partitions; at least one replica, a
 * fallback, and a scale-down stabilization window; the TriggerAuthentication exists and fills known parameters.
 */
public final class KedaCheck implements Check {

    /** The trigger metadata the project requires, with why. */
    static final Map<String, String> REQUIRED_METADATA = Map.of(
            "lagThreshold", "1",
            "offsetResetPolicy", "earliest",
            "limitToPartitionsWithLag", "true");

    @Override
    public List<Violation> check(Manifests manifests) {
        List<Violation> violations = new ArrayList<>();
        for (Manifest scaled : manifests.ofKind("ScaledObject")) {
            check(manifests, scaled, violations);
        }
        for (Manifest auth : manifests.ofKind("TriggerAuthentication")) {
            JsonNode refs = auth.at("spec.secretTargetRef");
            for (int i = 0; i < refs.size(); i++) {
                String parameter = refs.get(i).path("parameter").asText();
                if (!KedaKafkaScaler.AUTH_PARAMS.contains(parameter)) {
                    violations.add(Violation.of(
                            auth,
                            Json.index("spec.secretTargetRef", i) + ".parameter",
                            parameter + " is no authentication parameter of KEDA's kafka scaler "
                                    + KedaKafkaScaler.AUTH_PARAMS));
                }
            }
        }
        return violations;
    }

    private static void check(Manifests manifests, Manifest scaled, List<Violation> violations) {
        String targetName = scaled.at("spec.scaleTargetRef.name").asText();
        Optional<Manifest> target = manifests.find("Deployment", scaled.namespace(), targetName);
        if (target.isEmpty()) {
            violations.add(
                    Violation.of(scaled, "spec.scaleTargetRef.name", "Deployment " + targetName + " is not rendered"));
            return;
        }
        Optional<ServiceSettings> workers = ServiceSettings.of(manifests, target.get(), "augment", AugmentConfig.class);
        if (workers.isEmpty()) {
            violations.add(Violation.of(
                    scaled, "spec.scaleTargetRef.name", "Deployment " + targetName + " runs no augment worker"));
            return;
        }
        Setting group = workers.get().get("groupId");
        Setting topic = workers.get().get("tasksTopic");
        Setting partitions = workers.get().get("tasksPartitions");

        JsonNode min = scaled.at("spec.minReplicaCount");
        if (min.asInt(0) < 1) {
            violations.add(Violation.of(
                    scaled,
                    "spec.minReplicaCount",
                    "must be at least 1 (a worker ready for the first task), was " + min));
        }
        JsonNode max = scaled.at("spec.maxReplicaCount");
        Optional<Manifest> kafkaTopic = KafkaTopicCheck.topic(manifests, topic.value());
        int topicPartitions =
                kafkaTopic.map(t -> t.at("spec.partitions").asInt()).orElse(partitions.asInt());
        String partitionsSource =
                kafkaTopic.map(t -> t.id() + " spec.partitions").orElse(partitions.source());
        if (!max.isInt()) {
            violations.add(Violation.of(scaled, "spec.maxReplicaCount", "is missing"));
        } else if (max.asInt() > topicPartitions) {
            violations.add(Violation.of(
                    scaled,
                    "spec.maxReplicaCount",
                    max.asInt() + " is above the tasks topic's " + topicPartitions + " partitions (" + partitionsSource
                            + "): workers beyond them idle"));
        }
        JsonNode fallback = scaled.at("spec.fallback");
        if (!fallback.has("failureThreshold") || !fallback.has("replicas")) {
            violations.add(Violation.of(
                    scaled,
                    "spec.fallback",
                    "needs failureThreshold and replicas: the replicas when the lag is unknown"));
        } else if (max.isInt() && fallback.path("replicas").asInt() > max.asInt()) {
            violations.add(Violation.of(scaled, "spec.fallback.replicas", "is above maxReplicaCount " + max));
        }
        String window = "spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds";
        if (!scaled.at(window).isInt()) {
            violations.add(
                    Violation.of(scaled, window, "is missing: every scale-down is a rebalance of the workers' group"));
        }

        JsonNode triggers = scaled.at("spec.triggers");
        for (int i = 0; i < triggers.size(); i++) {
            JsonNode trigger = triggers.get(i);
            String path = Json.index("spec.triggers", i);
            if (!trigger.path("type").asText().equals("kafka")) {
                violations.add(Violation.of(
                        scaled,
                        path + ".type",
                        "workers scale on their group's lag: type kafka, was " + trigger.path("type")));
                continue;
            }
            JsonNode metadata = trigger.path("metadata");
            metadata.fieldNames().forEachRemaining(key -> {
                if (!KedaKafkaScaler.METADATA.contains(key)) {
                    violations.add(Violation.of(
                            scaled,
                            Json.child(path + ".metadata", key),
                            "is no trigger metadata of KEDA's kafka scaler (" + KedaKafkaScaler.SOURCE + ")"));
                }
            });
            expect(scaled, path + ".metadata.consumerGroup", metadata.path("consumerGroup"), group, violations);
            expect(scaled, path + ".metadata.topic", metadata.path("topic"), topic, violations);
            REQUIRED_METADATA.forEach((key, value) -> {
                if (!metadata.path(key).asText().equals(value)) {
                    violations.add(Violation.of(
                            scaled,
                            Json.child(path + ".metadata", key),
                            "must be \"" + value + "\", was " + (metadata.has(key) ? metadata.path(key) : "absent")));
                }
            });
            if (!manifests.ofKind("KafkaTopic").isEmpty() && kafkaTopic.isEmpty()) {
                violations.add(Violation.of(
                        scaled,
                        path + ".metadata.topic",
                        "topic " + metadata.path("topic").asText() + " has no KafkaTopic"));
            }
            String auth = trigger.path("authenticationRef").path("name").asText("");
            if (!auth.isEmpty()
                    && trigger.path("authenticationRef")
                            .path("kind")
                            .asText("TriggerAuthentication")
                            .equals("TriggerAuthentication")
                    && manifests
                            .find("TriggerAuthentication", scaled.namespace(), auth)
                            .isEmpty()) {
                violations.add(Violation.of(
                        scaled,
                        path + ".authenticationRef.name",
                        "TriggerAuthentication " + auth + " is not rendered"));
            }
        }
        if (triggers.isEmpty()) {
            violations.add(Violation.of(scaled, "spec.triggers", "has no trigger"));
        }
    }

    private static void expect(
            Manifest scaled, String path, JsonNode actual, Setting expected, List<Violation> violations) {
        if (!actual.asText().equals(expected.value())) {
            violations.add(Violation.of(
                    scaled,
                    path,
                    "is " + (Json.present(actual) ? "\"" + actual.asText() + "\"" : "absent") + " but the workers use "
                            + expected));
        }
    }
}
