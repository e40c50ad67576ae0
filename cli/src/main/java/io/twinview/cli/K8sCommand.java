package io.twinview.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The Kubernetes manifests of {@code k8s/}, run on this machine by podman: try them without a cluster. */
@Command(
        name = "k8s",
        mixinStandardHelpOptions = true,
        description = "Run the k8s/ manifests on this machine with podman kube play (no cluster needed).",
        subcommands = {K8sCommand.Up.class, K8sCommand.Down.class})
final class K8sCommand implements Runnable {

    /** The overlay a person runs here: k8s/overlays/dev plus what podman needs (host network, 127.0.0.1). */
    static final String LOCAL_OVERLAY = "k8s/overlays/local";

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    /** podman's settings for this machine: runc, cgroupfs, no default ulimits (see the images' README). */
    static Map<String, String> podmanEnvironment(Path home) {
        return Map.of("CONTAINERS_CONF", home.resolve("images/containers.conf").toString());
    }

    static LocalCluster render(Path home, String overlay) throws java.io.IOException {
        return LocalCluster.render(home.resolve(overlay), home.resolve(".twinview/k8s"), podmanEnvironment(home));
    }

    @Command(
            name = "up",
            mixinStandardHelpOptions = true,
            description = "Render the overlay, play it with podman and wait until every pod is ready.")
    static final class Up implements Callable<Integer> {

        @Option(
                names = "--overlay",
                defaultValue = LOCAL_OVERLAY,
                description = "Kustomize overlay to run, relative to the checkout (default: ${DEFAULT-VALUE})")
        String overlay;

        @Option(
                names = "--timeout",
                defaultValue = "300",
                description = "seconds to wait for every readiness probe (default: ${DEFAULT-VALUE})")
        int timeoutSeconds;

        @Override
        public Integer call() throws Exception {
            Console console = new Console(false);
            Path home = TwinviewCli.home();
            LocalCluster cluster;
            try {
                cluster = render(home, overlay);
            } catch (IllegalStateException e) {
                console.error("k8s up: " + e.getMessage());
                return 1;
            }
            List<String> missing = cluster.missingImages();
            if (!missing.isEmpty()) {
                console.error(
                        "podman has no image " + String.join(", ", missing) + ": build them with ./twinview images");
                return 1;
            }
            console.info("playing " + overlay + " (" + cluster.played() + ") with podman kube play...");
            try {
                cluster.up();
                Duration ready = cluster.awaitReady(Duration.ofSeconds(timeoutSeconds), console::info);
                console.info(String.format("every pod is ready after %.0f s.", ready.toMillis() / 1e3));
            } catch (IllegalStateException e) {
                console.error(e.getMessage() + System.lineSeparator() + cluster.logs(20));
                console.error("the pods are left as they are; ./twinview k8s down removes them");
                return 1;
            }
            console.info("  ./twinview train --dataset synthetic:?n=2048 --epochs 2   (trainer gRPC 127.0.0.1:9101)");
            console.info("  ./twinview eval --run-id <id>                            (eval gRPC 127.0.0.1:9102)");
            console.info("  ./twinview k8s down                                      removes it all");
            return 0;
        }
    }

    @Command(name = "down", mixinStandardHelpOptions = true, description = "Remove what k8s up started.")
    static final class Down implements Callable<Integer> {

        @Option(
                names = "--overlay",
                defaultValue = LOCAL_OVERLAY,
                description = "the overlay k8s up ran (default: ${DEFAULT-VALUE})")
        String overlay;

        @Override
        public Integer call() throws Exception {
            Console console = new Console(false);
            try (LocalCluster cluster = render(TwinviewCli.home(), overlay)) {
                console.info("removing the pods, secrets and volumes of " + overlay);
            } catch (IllegalStateException e) {
                console.error("k8s down: " + e.getMessage());
                return 1;
            }
            return 0;
        }
    }
}
