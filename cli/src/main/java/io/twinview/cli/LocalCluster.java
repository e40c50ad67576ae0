package io.twinview.cli;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * A Kustomize overlay of {@code k8s/} run on this machine by {@code podman kube play}, the way a kubelet
 * would run it: rendered with {@code kubectl kustomize}, Secrets handed to podman's secret store,
 * Deployments played, and every container's readiness probe polled until it passes.
 *
 * <p>podman plays Pods, Deployments and ConfigMaps and ignores the other kinds (Services,
 * NetworkPolicies, custom resources): nothing there resolves a Service's DNS name, which is why the
 * {@code local} overlay puts every pod on the host's network and points the ConfigMap at
 * {@code 127.0.0.1}. podman 4.3 reads a Secret from its own store as a JSON map of base64 values, and a
 * Secret document in the played file is stored in a form it then cannot read: so each Secret is stored
 * here, before the play, and left out of the played file.
 */
final class LocalCluster implements AutoCloseable {

    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(5);

    /** A container's readiness probe: an HTTP GET (path not null) or a TCP connect on a host port. */
    record Probe(String pod, String container, String path, int port) {

        String describe() {
            return pod + "/" + container + (path == null ? " tcp :" + port : " http :" + port + path);
        }
    }

    private final Path played;
    private final Map<String, String> environment;
    private final List<Map<String, Object>> secrets;
    private final List<Probe> probes;
    private final Set<String> images;
    private final List<String> pods;
    private final Set<String> configVolumes;

    private LocalCluster(
            Path played,
            Map<String, String> environment,
            List<Map<String, Object>> secrets,
            List<Probe> probes,
            Set<String> images,
            List<String> pods,
            Set<String> configVolumes) {
        this.played = played;
        this.environment = environment;
        this.secrets = secrets;
        this.probes = probes;
        this.images = images;
        this.pods = pods;
        this.configVolumes = configVolumes;
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
        Map<String, Map<String, Object>> secrets = new LinkedHashMap<>();
        List<Map<String, Object>> playable = new ArrayList<>();
        for (Object loaded : new Yaml().loadAll(rendered)) {
            if (loaded instanceof Map<?, ?> document) {
                @SuppressWarnings("unchecked")
                Map<String, Object> doc = (Map<String, Object>) document;
                if ("Secret".equals(doc.get("kind"))) {
                    secrets.put(name(doc), doc);
                } else {
                    playable.add(doc);
                }
            }
        }
        List<Probe> probes = new ArrayList<>();
        Set<String> images = new LinkedHashSet<>();
        List<String> pods = new ArrayList<>();
        Set<String> volumeSecrets = new LinkedHashSet<>();
        Set<String> configVolumes = new LinkedHashSet<>();
        for (Map<String, Object> doc : List.copyOf(playable)) {
            if ("Deployment".equals(doc.get("kind"))) {
                readDeployment(doc, probes, images, volumeSecrets, configVolumes);
                pods.add(name(doc) + "-pod-0"); // podman's name for a Deployment's one pod
            }
        }
        for (String name : volumeSecrets) {
            if (!secrets.containsKey(name)) {
                throw new IllegalStateException("a pod mounts Secret " + name + ", which the overlay does not hold");
            }
            playable.add(configMapOf(secrets.get(name)));
        }
        Files.createDirectories(workDir);
        Path played = workDir.resolve("played.yaml");
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        Files.writeString(played, new Yaml(options).dumpAll(playable.iterator()));
        return new LocalCluster(
                played, environment, List.copyOf(secrets.values()), probes, images, pods, configVolumes);
    }

    List<Probe> probes() {
        return probes;
    }

    Path played() {
        return played;
    }

    /** The images the pods run that podman does not have. */
    List<String> missingImages() {
        List<String> missing = new ArrayList<>();
        for (String image : images) {
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
        Set<Probe> waiting = new LinkedHashSet<>(probes);
        while (!waiting.isEmpty()) {
            for (var it = waiting.iterator(); it.hasNext(); ) {
                Probe probe = it.next();
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
                        + waiting.stream().map(Probe::describe).toList());
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
        for (String volume : configVolumes) {
            podman("volume", "rm", "--force", volume).run(COMMAND_TIMEOUT);
        }
        for (Map<String, Object> secret : secrets) {
            podman("secret", "rm", name(secret)).run(COMMAND_TIMEOUT);
        }
    }

    private void storeSecrets() {
        for (Map<String, Object> secret : secrets) {
            String name = name(secret);
            podman("secret", "rm", name).run(COMMAND_TIMEOUT); // absent is fine
            podman("secret", "create", name, "-").stdin(secretJson(secret)).output(COMMAND_TIMEOUT);
        }
    }

    /**
     * A ConfigMap of the same name and content: podman 4.3 crashes on a Secret volume (a nil pointer in
     * {@code VolumeFromSecret}) and mounts a ConfigMap of its played file; only this machine sees it.
     */
    static Map<String, Object> configMapOf(Map<String, Object> secret) {
        Map<String, String> data = new LinkedHashMap<>();
        if (secret.get("data") instanceof Map<?, ?> encoded) {
            encoded.forEach((k, v) -> data.put(
                    String.valueOf(k),
                    new String(Base64.getMimeDecoder().decode(String.valueOf(v)), StandardCharsets.UTF_8)));
        }
        if (secret.get("stringData") instanceof Map<?, ?> plain) {
            plain.forEach((k, v) -> data.put(String.valueOf(k), String.valueOf(v)));
        }
        Map<String, Object> configMap = new LinkedHashMap<>();
        configMap.put("apiVersion", "v1");
        configMap.put("kind", "ConfigMap");
        configMap.put("metadata", Map.of("name", name(secret)));
        configMap.put("data", data);
        return configMap;
    }

    /**
     * What podman 4.3 reads for a Secret in a container's environment: {@code {"key":"base64 of the
     * value"}}, {@code data} as it is, {@code stringData} encoded.
     */
    static String secretJson(Map<String, Object> secret) {
        Map<String, String> values = new LinkedHashMap<>();
        if (secret.get("data") instanceof Map<?, ?> data) {
            data.forEach((k, v) -> values.put(String.valueOf(k), String.valueOf(v)));
        }
        if (secret.get("stringData") instanceof Map<?, ?> data) {
            data.forEach((k, v) -> values.put(
                    String.valueOf(k),
                    Base64.getEncoder().encodeToString(String.valueOf(v).getBytes(StandardCharsets.UTF_8))));
        }
        return new com.google.gson.Gson().toJson(values);
    }

    private boolean passes(Probe probe) {
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
        for (String pod : pods) {
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

    @SuppressWarnings("unchecked")
    private static void readDeployment(
            Map<String, Object> deployment,
            List<Probe> probes,
            Set<String> images,
            Set<String> volumeSecrets,
            Set<String> configVolumes) {
        String name = name(deployment);
        Map<String, Object> podSpec = (Map<String, Object>) path(deployment, "spec", "template", "spec");
        if (podSpec == null) {
            throw new IllegalStateException("Deployment " + name + " has no spec.template.spec");
        }
        if (!Boolean.TRUE.equals(podSpec.get("hostNetwork"))) {
            throw new IllegalStateException("Deployment " + name + " is not on the host network: podman gives no"
                    + " cluster DNS, so the overlay run here must set hostNetwork (see k8s/overlays/local)");
        }
        for (Object v : (List<Object>) podSpec.getOrDefault("volumes", List.of())) {
            Map<String, Object> volume = (Map<String, Object>) v;
            if (volume.remove("secret") instanceof Map<?, ?> secret) {
                Map<String, Object> source = new LinkedHashMap<>((Map<String, Object>) secret);
                String secretName = String.valueOf(source.remove("secretName"));
                source.put("name", secretName); // items, defaultMode and optional mean the same there
                volume.put("configMap", source);
                volumeSecrets.add(secretName);
            }
            if (volume.get("configMap") instanceof Map<?, ?> configMap) {
                configVolumes.add(String.valueOf(configMap.get("name")));
            }
        }
        for (Object c : (List<Object>) podSpec.getOrDefault("containers", List.of())) {
            Map<String, Object> container = (Map<String, Object>) c;
            images.add(String.valueOf(container.get("image")));
            numberProbePorts(container);
            Map<String, Object> probe = (Map<String, Object>) container.get("readinessProbe");
            if (probe == null) {
                continue;
            }
            String containerName = String.valueOf(container.get("name"));
            if (probe.get("httpGet") instanceof Map<?, ?> http) {
                probes.add(new Probe(
                        name,
                        containerName,
                        String.valueOf(((Map<String, Object>) http).getOrDefault("path", "/")),
                        port(container, http.get("port"))));
            } else if (probe.get("tcpSocket") instanceof Map<?, ?> tcp) {
                probes.add(new Probe(name, containerName, null, port(container, tcp.get("port"))));
            } else {
                throw new IllegalStateException(
                        name + "/" + containerName + ": only httpGet and tcpSocket readiness probes are polled here");
            }
        }
    }

    /**
     * podman 4.3 refuses container ports on the host network ("PortMappings can only be used with Bridge
     * or slirp4netns networking"), where they mean nothing anyway: the probes get the numbers their port
     * names stand for, and the ports go.
     */
    @SuppressWarnings("unchecked")
    private static void numberProbePorts(Map<String, Object> container) {
        for (String kind : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            if (container.get(kind) instanceof Map<?, ?> probe) {
                for (String action : List.of("httpGet", "tcpSocket")) {
                    if (probe.get(action) instanceof Map<?, ?> target) {
                        ((Map<String, Object>) target).put("port", port(container, target.get("port")));
                    }
                }
            }
        }
        container.remove("ports");
    }

    /** A probe's port: a number, or the name of one of the container's ports. */
    @SuppressWarnings("unchecked")
    private static int port(Map<String, Object> container, Object port) {
        if (port instanceof Number number) {
            return number.intValue();
        }
        for (Object p : (List<Object>) container.getOrDefault("ports", List.of())) {
            Map<String, Object> declared = (Map<String, Object>) p;
            if (String.valueOf(port).equals(declared.get("name"))) {
                return ((Number) declared.get("containerPort")).intValue();
            }
        }
        throw new IllegalStateException(
                "container " + container.get("name") + " has no port named '" + port + "' for its probe");
    }

    private static Object path(Map<String, Object> root, String... keys) {
        Object node = root;
        for (String key : keys) {
            if (!(node instanceof Map<?, ?> map)) {
                return null;
            }
            node = map.get(key);
        }
        return node;
    }

    private static String name(Map<String, Object> document) {
        return String.valueOf(path(document, "metadata", "name"));
    }
}
