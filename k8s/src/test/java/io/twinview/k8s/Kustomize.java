package io.twinview.k8s;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Renders a kustomization with {@code kubectl kustomize} (offline: kustomize is built into kubectl). */
public final class Kustomize {

    private Kustomize() {}

    /** {@code -Dtwinview.kubectl=PATH} (another kubectl, e.g. a newer one), else kubectl on the PATH, if any. */
    public static Optional<Path> kubectl() {
        String chosen = System.getProperty("twinview.kubectl", "");
        if (!chosen.isEmpty()) {
            return Files.isExecutable(Path.of(chosen)) ? Optional.of(Path.of(chosen)) : Optional.empty();
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "kubectl");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** {@code kubectl kustomize dir}, parsed; fails with kubectl's message when it refuses. */
    public static Manifests render(Path kubectl, Path root, String dir) {
        try {
            Path stderr = Files.createTempFile("kustomize", ".err");
            Process process = new ProcessBuilder(
                            kubectl.toString(), "kustomize", root.resolve(dir).toString())
                    .redirectError(stderr.toFile())
                    .start();
            process.getOutputStream().close();
            var stdout = process.getInputStream().readAllBytes();
            boolean done = process.waitFor(60, TimeUnit.SECONDS);
            String errors = Files.readString(stderr);
            Files.delete(stderr);
            if (!done || process.exitValue() != 0) {
                process.destroy();
                throw new IllegalStateException("kubectl kustomize " + dir + " failed: " + errors);
            }
            return Manifests.parse(dir, new String(stdout, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + kubectl + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while rendering " + dir, e);
        }
    }
}
