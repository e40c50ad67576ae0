package io.twinview.k8s.check;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.twinview.k8s.Check;
import io.twinview.k8s.Manifest;
import io.twinview.k8s.Manifests;
import io.twinview.k8s.Violation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Built-in kinds as fabric8's typed models (kubernetes-model 7.5): a value of the wrong type does not parse,
 * and a field the model does not know (a typo, a field of another version) fails naming its path. A built-in
 * kind without a model here fails too, rather than passing unchecked.
 */
public final class TypedModelCheck implements Check {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** {@code apiVersion kind} to its model. */
    private static final Map<String, Class<?>> MODELS = Map.ofEntries(
            Map.entry("v1 Namespace", Namespace.class),
            Map.entry("v1 ServiceAccount", ServiceAccount.class),
            Map.entry("v1 ConfigMap", ConfigMap.class),
            Map.entry("v1 Secret", Secret.class),
            Map.entry("v1 Service", Service.class),
            Map.entry("apps/v1 Deployment", Deployment.class),
            Map.entry("apps/v1 StatefulSet", StatefulSet.class),
            Map.entry("apps/v1 DaemonSet", DaemonSet.class),
            Map.entry("batch/v1 Job", Job.class),
            Map.entry("batch/v1 CronJob", CronJob.class),
            Map.entry("policy/v1 PodDisruptionBudget", PodDisruptionBudget.class),
            Map.entry("networking.k8s.io/v1 NetworkPolicy", NetworkPolicy.class));

    private static final Set<String> BUILT_IN_GROUPS =
            Set.of("", "apps", "batch", "policy", "autoscaling", "rbac.authorization.k8s.io", "networking.k8s.io");

    /** Whether the document is of a Kubernetes API group rather than a custom resource. */
    public static boolean builtIn(Manifest manifest) {
        return BUILT_IN_GROUPS.contains(manifest.group()) || manifest.group().endsWith(".k8s.io");
    }

    @Override
    public List<Violation> check(Manifests manifests) {
        List<Violation> violations = new ArrayList<>();
        for (Manifest manifest : manifests.all()) {
            if (!builtIn(manifest)) {
                continue;
            }
            Class<?> model = MODELS.get(manifest.apiVersion() + " " + manifest.kind());
            if (model == null) {
                violations.add(Violation.of(
                        manifest,
                        "apiVersion",
                        "no typed model for " + manifest.apiVersion() + " " + manifest.kind() + " (known: "
                                + MODELS.keySet() + "): add one to TypedModelCheck"));
                continue;
            }
            Object typed;
            try {
                typed = JSON.treeToValue(manifest.body(), model);
            } catch (JsonProcessingException e) {
                violations.add(Violation.of(
                        manifest,
                        ParsePath.of(e),
                        "does not parse as " + model.getSimpleName() + ": " + e.getOriginalMessage()));
                continue;
            }
            for (String unknown : StrictModel.unknownFields(typed, "")) {
                violations.add(Violation.of(
                        manifest, unknown, "unknown field of " + manifest.apiVersion() + " " + manifest.kind()));
            }
        }
        return violations;
    }
}
