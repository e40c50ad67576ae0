package io.twinview.cli;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Kustomize overlay of {@code k8s/} run on this machine by {@code podman kube play}, the way a kubelet
 * would run it: rendered with {@code kubectl kustomize} and adapted to podman ({@link PodmanManifests}),
 * Secrets put in podman's secret store, Deployments played, and every container's readiness probe
 * polled until it passes. Probes reach the pods at 127.0.0.1: the overlay puts them on the host's network.
 */
final class LocalCluster implements AutoCloseable {

    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(5);

    private final Path played;
    private final Map<String, String> environment;
    private final PodmanManifests manifests;

    private LocalCluster(Path played, Map<String, String> environment, PodmanManifests manifests) {
        this.played = played;
        this.environment = environment;
        this.manifests = manifests;
    }

    /**
     * Renders {@code overlay} and writes what podman plays to {@code workDir/played.yaml}.
     *
     * @param environment what podman runs with ({@code CONTAINERS_CONF})
     * @throws IllegalStateException naming a missing tool, a render error, or a pod podman cannot reach
     */
    static LocalCluster render(Path overlay, Path workDir, Map<String, String> environment) throws IOException {
        for (String tool : List.of("kubectl", "podman")) {
            if (!HostCommand.onPath(tool)) {
                throw new IllegalStateException(tool + " is not on the PATH: k8s needs kubectl (kustomize) and podman");
            }
        }
        if (!Files.isDirectory(overlay)) {
            throw new IllegalStateException("no overlay at " + overlay);
        }
        String rendered = HostCommand.of(Map.of(), "kubectl", "kustomize", overlay.toString())
                .output(COMMAND_TIMEOUT);
        PodmanManifests manifests = PodmanManifests.of(rendered);
        Files.createDirectories(workDir);
        Path played = workDir.resolve("played.yaml");
        Files.writeString(played, manifests.playableYaml());
        return new LocalCluster(played, environment, manifests);
    }

    Path played() {
        return played;
    }

    /** The images the pods run that podman does not have. */
    List<String> missingImages() {
        List<String> missing = new ArrayList<>();
        for (String image : manifests.images) {
            if (!podman("image", "exists", image).run(COMMAND_TIMEOUT).ok()) {
                missing.add(image);
            }
        }
        return missing;
    }

    /** Stores the Secrets and plays the pods; a second {@code up} replaces the first. */
    void up() {
        close();
        storeSecrets();
        podman("kube", "play", played.toString()).output(COMMAND_TIMEOUT);
    }

    /**
     * Polls every readiness probe until all pass, as a kubelet would; fails naming the probes still
     * failing after {@code timeout}, or a container that exited.
     */
    Duration awaitReady(Duration timeout, java.util.function.Consumer<String> log) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        Set<PodmanManifests.Probe> waiting = new LinkedHashSet<>(manifests.probes);
        while (!waiting.isEmpty()) {
            for (var it = waiting.iterator(); it.hasNext(); ) {
                PodmanManifests.Probe probe = it.next();
                if (passes(probe)) {
                    it.remove();
                    log.accept(String.format(
                            "  ready: %s after %.0f s", probe.describe(), (System.nanoTime() - start) / 1e9));
                }
            }
            String exited = exitedContainers();
            if (!exited.isEmpty()) {
                throw new IllegalStateException("a container exited before it was ready: " + exited);
            }
            if (waiting.isEmpty()) {
                break;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not ready after " + timeout + ": "
                        + waiting.stream().map(PodmanManifests.Probe::describe).toList());
            }
            Thread.sleep(1000);
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** The last lines of every container's log, for a failure report. */
    String logs(int lines) {
        StringBuilder all = new StringBuilder();
        String names = containers("{{.Names}}", false);
        for (String name : names.strip().split("\n")) {
            if (name.isBlank() || name.endsWith("-infra")) {
                continue;
            }
            HostCommand.Result log =
                    podman("logs", "--tail", String.valueOf(lines), name).run(COMMAND_TIMEOUT);
            all.append("--- ").append(name).append('\n').append(log.stdout()).append(log.stderr());
        }
        return all.toString();
    }

    /**
     * Removes the pods, the Secrets, and the volumes podman made of mounted ConfigMaps (which {@code kube
     * down} leaves, and a later play would mount unchanged); what is already gone is not an error.
     */
    @Override
    public void close() {
        podman("kube", "down", played.toString()).run(COMMAND_TIMEOUT);
        for (String volume : manifests.configVolumes) {
            podman("volume", "rm", "--force", volume).run(COMMAND_TIMEOUT);
        }
        for (String secret : manifests.secrets.keySet()) {
            podman("secret", "rm", secret).run(COMMAND_TIMEOUT);
        }
    }

    private void storeSecrets() {
        for (var secret : manifests.secrets.entrySet()) {
            podman("secret", "rm", secret.getKey()).run(COMMAND_TIMEOUT); // absent is fine
            podman("secret", "create", secret.getKey(), "-")
                    .stdin(PodmanManifests.secretJson(secret.getValue()))
                    .output(COMMAND_TIMEOUT);
        }
    }

    private boolean passes(PodmanManifests.Probe probe) {
        try {
            if (probe.path() == null) {
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress("127.0.0.1", probe.port()), 1000);
                    return true;
                }
            }
            HttpURLConnection connection =
                    (HttpURLConnection) URI.create("http://127.0.0.1:" + probe.port() + probe.path())
                            .toURL()
                            .openConnection();
            connection.setConnectTimeout(1000);
            connection.setReadTimeout(2000);
            try {
                int status = connection.getResponseCode();
                return status >= 200 && status < 400; // the kubelet's rule for an HTTP probe
            } finally {
                connection.disconnect();
            }
        } catch (IOException e) {
            return false;
        }
    }

    private String exitedContainers() {
        return containers("{{.Names}} ({{.Status}})", true).strip().replace('\n', ',');
    }

    /** One line per container of the played pods, in {@code format}. */
    private String containers(String format, boolean exitedOnly) {
        List<String> args = new ArrayList<>(List.of("ps", "-a", "--format", format));
        for (String pod : manifests.pods) {
            args.add("--filter");
            args.add("pod=" + pod);
        }
        if (exitedOnly) {
            args.add("--filter");
            args.add("status=exited");
        }
        return podman(args.toArray(String[]::new)).run(COMMAND_TIMEOUT).stdout();
    }

    private HostCommand podman(String... args) {
        List<String> command = new ArrayList<>(List.of("podman"));
        command.addAll(List.of(args));
        return HostCommand.of(environment, command.toArray(String[]::new));
    }
}
