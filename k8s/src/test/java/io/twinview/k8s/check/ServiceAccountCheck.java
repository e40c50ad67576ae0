package io.twinview.k8s.check;

import io.twinview.k8s.Check;
import io.twinview.k8s.Manifest;
import io.twinview.k8s.Manifests;
import io.twinview.k8s.PodTemplate;
import io.twinview.k8s.Violation;
import java.util.ArrayList;
import java.util.List;

/**
 * No service of twinview talks to the Kubernetes API: no ServiceAccount token in any pod, said on the
 * ServiceAccount and on the pod; a pod's ServiceAccount, when named, is one of the rendering's.
 */
public final class ServiceAccountCheck implements Check {

    @Override
    public List<Violation> check(Manifests manifests) {
        List<Violation> violations = new ArrayList<>();
        for (Manifest account : manifests.ofKind("ServiceAccount")) {
            if (account.at("automountServiceAccountToken").asBoolean(true)) {
                violations.add(Violation.of(account, "automountServiceAccountToken", "must be false"));
            }
        }
        for (PodTemplate pod : manifests.podTemplates()) {
            if (pod.spec().path("automountServiceAccountToken").asBoolean(true)) {
                violations.add(Violation.of(
                        pod.manifest(), pod.specPath() + ".automountServiceAccountToken", "must be false"));
            }
            String account = pod.spec().path("serviceAccountName").asText("");
            boolean rendered = account.isEmpty()
                    || manifests
                            .find("ServiceAccount", pod.manifest().namespace(), account)
                            .isPresent();
            // a Job rendered on its own (jobs/submit-run) uses the ServiceAccount of an overlay
            if (!rendered && !pod.manifest().is("Job")) {
                violations.add(Violation.of(
                        pod.manifest(),
                        pod.specPath() + ".serviceAccountName",
                        "names ServiceAccount " + account + ", which is not among the rendered documents"));
            }
        }
        return violations;
    }
}
