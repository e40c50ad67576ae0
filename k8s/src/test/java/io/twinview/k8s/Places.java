package io.twinview.k8s;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Where the manifests and the CRD schemas are. */
public final class Places {

    private Places() {}

    /** The repository's root: the parent of this module's folder (surefire runs tests in k8s/). */
    public static Path repositoryRoot() {
        Path here = Path.of("").toAbsolutePath();
        return Files.isDirectory(here.resolve("k8s/base")) ? here : here.getParent();
    }

    /**
     * {@code shared/k8s-schemas} beside the repository: {@code -Dtwinview.shared.dir} (the parent pom points it
     * at the root's {@code ../shared}), else the first {@code shared/} of the root's ancestors (a git worktree
     * lives deeper than its main checkout).
     */
    public static Optional<Path> crdSchemas() {
        String configured = System.getProperty("twinview.shared.dir");
        if (configured != null && Files.isDirectory(Path.of(configured, "k8s-schemas"))) {
            return Optional.of(Path.of(configured, "k8s-schemas"));
        }
        for (Path dir = repositoryRoot().getParent(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("shared/k8s-schemas"))) {
                return Optional.of(dir.resolve("shared/k8s-schemas"));
            }
        }
        return Optional.empty();
    }
}
