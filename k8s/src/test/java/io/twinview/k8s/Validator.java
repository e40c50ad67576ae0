package io.twinview.k8s;

import io.twinview.k8s.check.CustomResourceCheck;
import io.twinview.k8s.check.DisruptionBudgetCheck;
import io.twinview.k8s.check.KafkaTopicCheck;
import io.twinview.k8s.check.KedaCheck;
import io.twinview.k8s.check.NetworkPolicyCheck;
import io.twinview.k8s.check.PodSecurityCheck;
import io.twinview.k8s.check.ProbesCheck;
import io.twinview.k8s.check.ResourcesCheck;
import io.twinview.k8s.check.SecretsCheck;
import io.twinview.k8s.check.ServiceAccountCheck;
import io.twinview.k8s.check.ServiceCheck;
import io.twinview.k8s.check.TypedModelCheck;
import io.twinview.k8s.check.WorkloadCheck;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** Every check over a rendering: {@link #validate} lists what breaks a rule, each naming document and field. */
public final class Validator {

    private final List<Check> checks;

    private Validator(List<Check> checks) {
        this.checks = List.copyOf(checks);
    }

    /**
     * @param crdSchemas the CRDs custom resources are validated against; without them custom resources go
     *                   unchecked (the caller says so)
     * @param secretDataAllowed whether the rendering may hold Secrets with data (dev-only generated ones)
     */
    public static Validator of(Optional<Path> crdSchemas, boolean secretDataAllowed) {
        List<Check> checks = new ArrayList<>(List.of(
                new TypedModelCheck(),
                new PodSecurityCheck(),
                new ServiceAccountCheck(),
                new ResourcesCheck(),
                new ProbesCheck(),
                new WorkloadCheck(),
                new DisruptionBudgetCheck(),
                new NetworkPolicyCheck(),
                new ServiceCheck(),
                new SecretsCheck(secretDataAllowed),
                new KafkaTopicCheck(),
                new KedaCheck()));
        crdSchemas.ifPresent(folder -> checks.add(1, new CustomResourceCheck(folder)));
        return new Validator(checks);
    }

    public List<Violation> validate(Manifests manifests) {
        List<Violation> violations = new ArrayList<>();
        for (Check check : checks) {
            violations.addAll(check.check(manifests));
        }
        return violations;
    }

    /** One line per violation, for an assertion message. */
    public static String report(Manifests manifests, List<Violation> violations) {
        return violations.size() + " violation(s) in " + manifests.source() + ":\n"
                + violations.stream().map(v -> "  " + v).collect(Collectors.joining("\n"));
    }
}
