package io.twinview.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every kustomization under k8s/ renders and breaks no rule of {@link Validator}. */
class K8sManifestsTest {

    static Path kubectl;

    /** Each test skips, saying why, without kubectl (an aborted @BeforeAll would hide the reason from surefire). */
    @BeforeEach
    void kubectl() {
        Optional<Path> found = Kustomize.kubectl();
        assumeTrue(
                found.isPresent(),
                "kubectl is not on the PATH (nor at -Dtwinview.kubectl): the manifests cannot be rendered here, not checked");
        kubectl = found.get();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        // directory,           Secrets with data allowed (dev-only generated credentials)
        "k8s/base,              false",
        "k8s/overlays/dev,      true",
        "k8s/overlays/platform, false",
        "k8s/jobs/submit-run,   false",
    })
    void rendersAndBreaksNoRule(String dir, boolean secretDataAllowed) {
        Manifests manifests = Kustomize.render(kubectl, Places.repositoryRoot(), dir);
        assertFalse(manifests.all().isEmpty(), dir + " renders documents");
        boolean customResources =
                manifests.all().stream().anyMatch(m -> m.group().contains("."));
        Optional<Path> crds = Places.crdSchemas();
        if (customResources) {
            assumeTrue(
                    crds.isPresent(),
                    "shared/k8s-schemas is absent: custom resources of " + dir + " cannot be checked");
        }

        List<Violation> violations = Validator.of(crds, secretDataAllowed).validate(manifests);

        assertTrue(violations.isEmpty(), () -> Validator.report(manifests, violations));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"k8s/overlays/dev, twinview-dev", "k8s/overlays/platform, twinview"})
    void overlaysPutEverythingInOneNamespaceThatEnforcesRestricted(String dir, String namespace) {
        Manifests manifests = Kustomize.render(kubectl, Places.repositoryRoot(), dir);
        Manifest ns = manifests.ofKind("Namespace").get(0);
        assertEquals(namespace, ns.name(), dir);
        assertEquals(
                "restricted",
                ns.at("metadata.labels")
                        .path("pod-security.kubernetes.io/enforce")
                        .asText(),
                dir);
        manifests.all().stream()
                .filter(m -> !m.is("Namespace"))
                .forEach(m -> assertEquals(namespace, m.namespace(), m.id() + " is in the overlay's namespace"));
    }
}
