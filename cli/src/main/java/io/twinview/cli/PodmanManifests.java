package io.twinview.cli;

import java.nio.charset.StandardCharsets;
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
 * Rendered manifests as {@code podman kube play} (4.3) can run them, and what a kubelet would know of
 * them: the readiness probes to poll, the images, the pods' names.
 *
 * <p>podman plays Pods, Deployments and ConfigMaps and ignores the other kinds (Services,
 * NetworkPolicies, custom resources); nothing there resolves a Service's DNS name, which is why the
 * {@code local} overlay puts every pod on the host's network. What podman 4.3 cannot take as written is
 * adapted here, for this machine only:
 * <ul>
 *   <li>Secrets leave the played file: podman stores a Secret document in a form it then cannot read,
 *       so {@link LocalCluster} puts each in podman's secret store itself ({@link #secretJson}).</li>
 *   <li>A Secret mounted as a volume is played as a ConfigMap of the same content ({@link #configMapOf}).</li>
 *   <li>Container ports go, and probes get the numbers their port names stand for ({@link #numberProbePorts}).</li>
 * </ul>
 */
final class PodmanManifests {

    /** A container's readiness probe: an HTTP GET (path not null) or a TCP connect on a host port. */
    record Probe(String pod, String container, String path, int port) {

        String describe() {
            return pod + "/" + container + (path == null ? " tcp :" + port : " http :" + port + path);
        }
    }

    final List<Map<String, Object>> playable = new ArrayList<>();
    final Map<String, Map<String, Object>> secrets = new LinkedHashMap<>();
    final List<Probe> probes = new ArrayList<>();
    final Set<String> images = new LinkedHashSet<>();
    /** podman's names of the Deployments' pods (one each). */
    final List<String> pods = new ArrayList<>();
    /** The ConfigMaps mounted as volumes: podman makes a named volume of each, which {@code kube down} leaves. */
    final Set<String> configVolumes = new LinkedHashSet<>();

    /**
     * @param rendered the output of {@code kubectl kustomize}
     * @throws IllegalStateException naming a pod podman cannot run here as written
     */
    static PodmanManifests of(String rendered) {
        PodmanManifests manifests = new PodmanManifests();
        for (Object loaded : new Yaml().loadAll(rendered)) {
            if (loaded instanceof Map<?, ?> document) {
                @SuppressWarnings("unchecked")
                Map<String, Object> doc = (Map<String, Object>) document;
                if ("Secret".equals(doc.get("kind"))) {
                    manifests.secrets.put(name(doc), doc);
                } else {
                    manifests.playable.add(doc);
                }
            }
        }
        Set<String> volumeSecrets = new LinkedHashSet<>();
        for (Map<String, Object> doc : List.copyOf(manifests.playable)) {
            if ("Deployment".equals(doc.get("kind"))) {
                manifests.readDeployment(doc, volumeSecrets);
                manifests.pods.add(name(doc) + "-pod-0"); // podman's name for a Deployment's one pod
            }
        }
        for (String name : volumeSecrets) {
            if (!manifests.secrets.containsKey(name)) {
                throw new IllegalStateException("a pod mounts Secret " + name + ", which the overlay does not hold");
            }
            manifests.playable.add(configMapOf(manifests.secrets.get(name)));
        }
        return manifests;
    }

    /** The documents podman plays, as one YAML stream. */
    String playableYaml() {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        return new Yaml(options).dumpAll(playable.iterator());
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
        return new com.google.gson.GsonBuilder().disableHtmlEscaping().create().toJson(values);
    }

    @SuppressWarnings("unchecked")
    private void readDeployment(Map<String, Object> deployment, Set<String> volumeSecrets) {
        String name = name(deployment);
        Map<String, Object> podSpec = (Map<String, Object>) path(deployment, "spec", "template", "spec");
        if (podSpec == null) {
            throw new IllegalStateException("Deployment " + name + " has no spec.template.spec");
        }
        if (!Boolean.TRUE.equals(podSpec.get("hostNetwork"))) {
            throw new IllegalStateException("Deployment " + name + " is not on the host network: podman gives no"
                    + " cluster DNS, so the overlay run here must set hostNetwork (see k8s/overlays/local)");
        }
        List<Object> volumes = (List<Object>) podSpec.getOrDefault("volumes", new ArrayList<>());
        Set<String> absent = new LinkedHashSet<>();
        volumes.removeIf(v -> {
            // a kubelet mounts an optional Secret that does not exist as an empty volume: here, no volume at all
            if (((Map<String, Object>) v).get("secret") instanceof Map<?, ?> secret
                    && Boolean.TRUE.equals(secret.get("optional"))
                    && !secrets.containsKey(String.valueOf(secret.get("secretName")))) {
                absent.add(String.valueOf(((Map<String, Object>) v).get("name")));
                return true;
            }
            return false;
        });
        for (Object c : (List<Object>) podSpec.getOrDefault("containers", List.of())) {
            Object mounts = ((Map<String, Object>) c).get("volumeMounts");
            if (mounts instanceof List<?> list) {
                list.removeIf(m -> absent.contains(String.valueOf(((Map<?, ?>) m).get("name"))));
            }
        }
        for (Object v : volumes) {
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

    static String name(Map<String, Object> document) {
        return String.valueOf(path(document, "metadata", "name"));
    }
}
