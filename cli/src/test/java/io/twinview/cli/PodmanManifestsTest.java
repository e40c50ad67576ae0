package io.twinview.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodmanManifestsTest {

    private static final String DEPLOYMENT = """
            apiVersion: v1
            kind: Secret
            metadata: {name: s3}
            data: {access-key: dHdpbnZpZXc=}
            stringData: {secret-key: hush}
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: proxy-config}
            data: {s3proxy.properties: YT0xCg==}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: trainer}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: trainer}
            spec:
              template:
                spec:
                  hostNetwork: %s
                  volumes:
                    - {name: config, secret: {secretName: proxy-config, defaultMode: 256}}
                    - {name: tmp, emptyDir: {}}
                  containers:
                    - name: trainer
                      image: localhost/twinview/trainer:0.1.0
                      ports: [{name: http, containerPort: 8101}, {name: grpc, containerPort: 9101}]
                      env:
                        - {name: KEY, valueFrom: {secretKeyRef: {name: s3, key: access-key}}}
                      livenessProbe: {httpGet: {path: /q/health/live, port: http}}
                      readinessProbe: {httpGet: {path: /q/health/ready, port: http}}
                    - name: sidecar
                      image: localhost/twinview/kafka:0.1.0
                      readinessProbe: {tcpSocket: {port: 9092}}
            """;

    @Test
    void secretsLeaveThePlayedFileAndAMountedOneBecomesAConfigMapOfItsContent() {
        PodmanManifests manifests = PodmanManifests.of(DEPLOYMENT.formatted("true"));

        assertEquals(List.of("s3", "proxy-config"), List.copyOf(manifests.secrets.keySet()));
        assertFalse(manifests.playableYaml().contains("kind: Secret"), "podman is given no Secret document");
        Map<String, Object> configMap = manifests.playable.get(manifests.playable.size() - 1);
        assertEquals("ConfigMap", configMap.get("kind"));
        assertEquals(Map.of("s3proxy.properties", "a=1\n"), configMap.get("data"), "the Secret's content, decoded");
        assertEquals(
                Map.of("name", "proxy-config", "defaultMode", 256),
                volumes(manifests).get(0).get("configMap"),
                "the volume mounts the ConfigMap with the Secret's mode");
        assertFalse(volumes(manifests).get(0).containsKey("secret"));
        assertEquals(List.of("proxy-config"), List.copyOf(manifests.configVolumes));
    }

    @Test
    void anOptionalSecretTheOverlayDoesNotHoldMountsNothingAndARequiredOneIsRefused() {
        String pod = """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: eval}
                spec:
                  template:
                    spec:
                      hostNetwork: true
                      volumes:
                        - {name: grpc-tls, secret: {secretName: grpc-tls, optional: %s}}
                        - {name: tmp, emptyDir: {}}
                      containers:
                        - name: eval
                          image: localhost/twinview/eval:0.1.0
                          volumeMounts:
                            - {name: grpc-tls, mountPath: /etc/twinview/grpc-tls}
                            - {name: tmp, mountPath: /tmp}
                """;
        PodmanManifests manifests = PodmanManifests.of(pod.formatted("true"));
        assertEquals(
                List.of("tmp"),
                volumes(manifests).stream().map(v -> v.get("name")).toList(),
                "a kubelet mounts a missing optional Secret empty: podman gets no volume for it");
        assertFalse(manifests.playableYaml().contains("/etc/twinview/grpc-tls"), "nor a mount of it");
        IllegalStateException required =
                assertThrows(IllegalStateException.class, () -> PodmanManifests.of(pod.formatted("false")));
        assertEquals("a pod mounts Secret grpc-tls, which the overlay does not hold", required.getMessage());
    }

    @Test
    void aSecretInTheEnvironmentIsStoredAsPodmanReadsIt() {
        PodmanManifests manifests = PodmanManifests.of(DEPLOYMENT.formatted("true"));

        assertEquals(
                "{\"access-key\":\"dHdpbnZpZXc=\",\"secret-key\":\"aHVzaA==\"}",
                PodmanManifests.secretJson(manifests.secrets.get("s3")),
                "a JSON map of base64 values: data as it is, stringData encoded");
    }

    @Test
    void probesArePolledOnTheNumbersTheirPortNamesStandForAndContainerPortsGo() {
        PodmanManifests manifests = PodmanManifests.of(DEPLOYMENT.formatted("true"));

        assertEquals(
                List.of(
                        new PodmanManifests.Probe("trainer", "trainer", "/q/health/ready", 8101),
                        new PodmanManifests.Probe("trainer", "sidecar", null, 9092)),
                manifests.probes);
        Map<String, Object> trainer = containers(manifests).get(0);
        assertFalse(trainer.containsKey("ports"), "podman 4.3 refuses ports on the host network");
        assertEquals(
                Map.of("path", "/q/health/live", "port", 8101),
                ((Map<?, ?>) trainer.get("livenessProbe")).get("httpGet"));
        assertEquals(List.of("trainer-pod-0"), manifests.pods);
        assertEquals(
                List.of("localhost/twinview/trainer:0.1.0", "localhost/twinview/kafka:0.1.0"),
                List.copyOf(manifests.images));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> podSpec(PodmanManifests manifests) {
        Map<String, Object> deployment = manifests.playable.stream()
                .filter(doc -> "Deployment".equals(doc.get("kind")))
                .findFirst()
                .orElseThrow();
        return (Map<String, Object>)
                ((Map<String, Object>) ((Map<String, Object>) deployment.get("spec")).get("template")).get("spec");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> volumes(PodmanManifests manifests) {
        return (List<Map<String, Object>>) podSpec(manifests).get("volumes");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> containers(PodmanManifests manifests) {
        return (List<Map<String, Object>>) podSpec(manifests).get("containers");
    }

    @Test
    void aPodOffTheHostNetworkIsRefusedNamingItsDeployment() {
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> PodmanManifests.of(DEPLOYMENT.formatted("false")));

        assertTrue(e.getMessage().contains("Deployment trainer is not on the host network"), e.getMessage());
    }
}
