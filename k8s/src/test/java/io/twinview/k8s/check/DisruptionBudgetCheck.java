package io.twinview.k8s.check;

import com.fasterxml.jackson.databind.JsonNode;
import io.twinview.k8s.Check;
import io.twinview.k8s.Manifest;
import io.twinview.k8s.Manifests;
import io.twinview.k8s.PodTemplate;
import io.twinview.k8s.Violation;
import java.util.ArrayList;
import java.util.List;

/**
 * PodDisruptionBudgets: each selects pods of the rendering; the workers have one of {@code maxUnavailable: 25%}
 * (drains proceed a quarter of the fleet at a time); none may block a drain of the single trainer (allowed:
 * none at all, or one that lets it go).
 */
public final class DisruptionBudgetCheck implements Check {

    static final String WORKERS_MAX_UNAVAILABLE = "25%";

    @Override
    public List<Violation> check(Manifests manifests) {
        List<Violation> violations = new ArrayList<>();
        for (Manifest budget : manifests.ofKind("PodDisruptionBudget")) {
            List<PodTemplate> selected = manifests.selectedBy(budget.namespace(), budget.at("spec.selector"), true);
            if (selected.isEmpty()) {
                violations.add(Violation.of(budget, "spec.selector", "selects no pod template of the rendering"));
            }
            boolean trainer = selected.stream()
                    .flatMap(t -> t.containers().stream())
                    .anyMatch(c -> c.service().equals("trainer"));
            if (trainer && !letsOneGo(budget)) {
                violations.add(Violation.of(
                        budget,
                        budget.at("spec").has("minAvailable") ? "spec.minAvailable" : "spec.maxUnavailable",
                        "blocks node drains of the single trainer replica: remove it, or allow 1 unavailable"));
            }
        }
        for (PodTemplate pod : manifests.podTemplates()) {
            boolean worker = pod.containers().stream().anyMatch(c -> c.service().equals("augment"));
            if (!worker || !pod.manifest().is("Deployment")) {
                continue;
            }
            List<Manifest> budgets = manifests.ofKind("PodDisruptionBudget").stream()
                    .filter(b -> b.namespace().equals(pod.manifest().namespace()))
                    .filter(b -> io.twinview.k8s.Selectors.matches(b.at("spec.selector"), pod.labels()))
                    .toList();
            if (budgets.isEmpty()) {
                violations.add(Violation.of(
                        pod.manifest(),
                        pod.path() + ".metadata.labels",
                        "no PodDisruptionBudget selects the workers (want maxUnavailable " + WORKERS_MAX_UNAVAILABLE
                                + ")"));
            }
            for (Manifest budget : budgets) {
                if (!budget.at("spec.maxUnavailable").asText().equals(WORKERS_MAX_UNAVAILABLE)) {
                    violations.add(Violation.of(
                            budget,
                            "spec.maxUnavailable",
                            "must be " + WORKERS_MAX_UNAVAILABLE + " for the workers, was "
                                    + budget.at("spec.maxUnavailable")));
                }
            }
        }
        return violations;
    }

    /** Whether one replica may be evicted: maxUnavailable at least 1 (or a non-zero percentage), or minAvailable 0. */
    private static boolean letsOneGo(Manifest budget) {
        JsonNode max = budget.at("spec.maxUnavailable");
        JsonNode min = budget.at("spec.minAvailable");
        if (max.isInt()) {
            return max.asInt() >= 1;
        }
        if (max.isTextual()) {
            return max.asText().endsWith("%") && Integer.parseInt(max.asText().replace("%", "")) >= 100
                    || max.asText().matches("[1-9][0-9]*");
        }
        return min.isInt()
                ? min.asInt() == 0
                : min.asText().equals("0%") || min.asText().equals("0");
    }
}
