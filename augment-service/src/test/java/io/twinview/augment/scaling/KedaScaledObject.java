package io.twinview.augment.scaling;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * A KEDA ScaledObject with one {@code kafka} trigger, read from rendered manifests, and the HPA that
 * KEDA makes of it: minReplicas = max(minReplicaCount, 1) (KEDA itself scales between 0 and 1),
 * maxReplicas = maxReplicaCount (default 100), one External AverageValue metric whose target is
 * lagThreshold, and {@code advanced.horizontalPodAutoscalerConfig.behavior} with the API server's
 * defaults for whatever it leaves out.
 *
 * @param name            metadata.name
 * @param minReplicaCount spec.minReplicaCount (KEDA default 0)
 * @param maxReplicaCount spec.maxReplicaCount (KEDA default 100)
 * @param trigger         the kafka trigger's metadata
 * @param scaleUp         the HPA's scale-up rules
 * @param scaleDown       the HPA's scale-down rules
 */
public record KedaScaledObject(
        String name,
        int minReplicaCount,
        int maxReplicaCount,
        Map<String, String> trigger,
        HpaEmulator.Rules scaleUp,
        HpaEmulator.Rules scaleDown) {

    /** The controller's default {@code --horizontal-pod-autoscaler-tolerance}. */
    public static final double HPA_TOLERANCE = 0.1;

    public KedaKafkaLag.Settings lagSettings() {
        return KedaKafkaLag.Settings.fromTriggerMetadata(trigger);
    }

    public HpaEmulator.Spec hpaSpec() {
        return new HpaEmulator.Spec(
                Math.max(minReplicaCount, 1),
                maxReplicaCount,
                lagSettings().lagThreshold(),
                HPA_TOLERANCE,
                scaleUp,
                scaleDown);
    }

    public KedaScaledObject withMaxReplicaCount(int max) {
        return new KedaScaledObject(name, minReplicaCount, max, trigger, scaleUp, scaleDown);
    }

    public KedaScaledObject withRules(HpaEmulator.Rules up, HpaEmulator.Rules down) {
        return new KedaScaledObject(name, minReplicaCount, maxReplicaCount, trigger, up, down);
    }

    public KedaScaledObject withTrigger(String key, String value) {
        Map<String, String> changed = new LinkedHashMap<>(trigger);
        changed.put(key, value);
        return new KedaScaledObject(name, minReplicaCount, maxReplicaCount, changed, scaleUp, scaleDown);
    }

    /**
     * Renders {@code kustomizeDir} with {@code kubectl kustomize} and reads its only ScaledObject.
     *
     * @return empty with the reason when kubectl is missing or the directory does not render
     * @throws IllegalStateException when it renders but holds no ScaledObject or one without a kafka trigger
     */
    public static Rendered render(Path kustomizeDir) throws InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder("kubectl", "kustomize", kustomizeDir.toString())
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            return new Rendered(Optional.empty(), "kubectl cannot be run: " + e.getMessage());
        }
        String out;
        try (InputStream in = process.getInputStream()) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            in.transferTo(bytes);
            out = bytes.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            return new Rendered(Optional.empty(), "reading kubectl's output failed: " + e.getMessage());
        }
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            return new Rendered(
                    Optional.empty(), "kubectl kustomize " + kustomizeDir + " does not render: " + out.strip());
        }
        return new Rendered(Optional.of(parse(out)), "rendered " + kustomizeDir);
    }

    /** A ScaledObject, or why there is none. */
    public record Rendered(Optional<KedaScaledObject> scaledObject, String detail) {}

    /** Reads the one ScaledObject among the YAML documents. */
    @SuppressWarnings("unchecked")
    public static KedaScaledObject parse(String yaml) {
        List<Map<String, Object>> found = new ArrayList<>();
        for (Object document : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(yaml)) {
            if (document instanceof Map<?, ?> map && "ScaledObject".equals(map.get("kind"))) {
                found.add((Map<String, Object>) map);
            }
        }
        if (found.size() != 1) {
            throw new IllegalStateException("expected one ScaledObject in the manifests, found " + found.size());
        }
        Map<String, Object> object = found.get(0);
        Map<String, Object> spec = map(object, "spec");
        Map<String, String> trigger = null;
        for (Object t : (List<Object>) spec.getOrDefault("triggers", List.of())) {
            Map<String, Object> tm = (Map<String, Object>) t;
            if ("kafka".equals(tm.get("type"))) {
                if (trigger != null) {
                    throw new IllegalStateException("the ScaledObject has more than one kafka trigger");
                }
                trigger = new LinkedHashMap<>();
                for (Map.Entry<String, Object> e : map(tm, "metadata").entrySet()) {
                    trigger.put(e.getKey(), String.valueOf(e.getValue()));
                }
            }
        }
        if (trigger == null) {
            throw new IllegalStateException("the ScaledObject has no kafka trigger");
        }
        Map<String, Object> behavior = map(map(map(spec, "advanced"), "horizontalPodAutoscalerConfig"), "behavior");
        return new KedaScaledObject(
                String.valueOf(map(object, "metadata").get("name")),
                integer(spec, "minReplicaCount", 0),
                integer(spec, "maxReplicaCount", 100),
                Map.copyOf(trigger),
                rules(map(behavior, "scaleUp"), HpaEmulator.Rules.defaultScaleUp()),
                rules(map(behavior, "scaleDown"), HpaEmulator.Rules.defaultScaleDown()));
    }

    /** The API server's defaulting: a field left out takes the default rules' value. */
    @SuppressWarnings("unchecked")
    private static HpaEmulator.Rules rules(Map<String, Object> rules, HpaEmulator.Rules defaults) {
        Duration window = rules.containsKey("stabilizationWindowSeconds")
                ? Duration.ofSeconds(((Number) rules.get("stabilizationWindowSeconds")).longValue())
                : defaults.stabilizationWindow();
        HpaEmulator.Select select = rules.containsKey("selectPolicy")
                ? HpaEmulator.Select.valueOf(
                        String.valueOf(rules.get("selectPolicy")).toUpperCase(Locale.ROOT))
                : defaults.select();
        List<HpaEmulator.Policy> policies = defaults.policies();
        if (rules.containsKey("policies")) {
            policies = new ArrayList<>();
            for (Object p : (List<Object>) rules.get("policies")) {
                Map<String, Object> pm = (Map<String, Object>) p;
                policies.add(new HpaEmulator.Policy(
                        HpaEmulator.PolicyType.valueOf(
                                String.valueOf(pm.get("type")).toUpperCase(Locale.ROOT)),
                        ((Number) pm.get("value")).intValue(),
                        Duration.ofSeconds(((Number) pm.get("periodSeconds")).longValue())));
            }
        }
        return new HpaEmulator.Rules(window, select, policies);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        return value instanceof Map<?, ?> ? (Map<String, Object>) value : Map.of();
    }

    private static int integer(Map<String, Object> parent, String key, int fallback) {
        Object value = parent.get(key);
        return value instanceof Number n ? n.intValue() : fallback;
    }
}
