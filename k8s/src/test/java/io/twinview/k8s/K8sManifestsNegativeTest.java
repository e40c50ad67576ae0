package io.twinview.k8s;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each rule catches its own breach: a rendered overlay, changed in one place, fails with a violation naming the
 * document and the field. (The unchanged renderings pass: K8sManifestsTest.)
 */
class K8sManifestsNegativeTest {

    private static final String AUGMENT = "Deployment twinview/twinview-augment";
    private static final String TRAINER = "Deployment twinview/twinview-trainer";
    private static final String CONTAINER = "spec.template.spec.containers[0]";

    static Manifests platform;
    static Manifests dev;
    static Validator validator;
    static List<Violation> unchanged;

    /** Why the renderings are missing, or null when they are there. */
    static String unavailable;

    @BeforeAll
    static void render() {
        Optional<Path> kubectl = Kustomize.kubectl();
        Optional<Path> crds = Places.crdSchemas();
        if (kubectl.isEmpty()) {
            unavailable =
                    "kubectl is not on the PATH (nor at -Dtwinview.kubectl): nothing to render, nothing to mutate";
            return;
        }
        if (crds.isEmpty()) {
            unavailable = "shared/k8s-schemas is absent: the platform overlay's custom resources need it";
            return;
        }
        platform = Kustomize.render(kubectl.get(), Places.repositoryRoot(), "k8s/overlays/platform");
        dev = Kustomize.render(kubectl.get(), Places.repositoryRoot(), "k8s/overlays/dev");
        validator = Validator.of(crds, false);
        unchanged = validator.validate(platform);
    }

    /** Each test skips, saying why (an aborted @BeforeAll would hide the reason from surefire). */
    @BeforeEach
    void renderingsAreThere() {
        assumeTrue(unavailable == null, () -> unavailable);
        assertTrue(unchanged.isEmpty(), () -> "the unchanged platform overlay must pass first: " + unchanged);
    }

    @Test
    void aMistypedFieldOfABuiltInKindIsRejectedAtItsPath() {
        Manifests broken = platform.with("Deployment", "twinview-augment", d -> {
            ObjectNode container = (ObjectNode) Json.at(d, CONTAINER);
            container.set("readinesProbe", container.remove("readinessProbe"));
            return d;
        });
        assertViolation(broken, AUGMENT, CONTAINER + ".readinesProbe", "unknown field of apps/v1 Deployment");
    }

    @Test
    void aMistypedFieldDeepInAServiceIsRejectedAtItsPath() {
        Manifests broken = platform.with("Service", "twinview-trainer", s -> {
            ObjectNode port = (ObjectNode) Json.at(s, "spec.ports[0]");
            port.set("targetport", port.remove("targetPort"));
            return s;
        });
        assertViolation(broken, "Service twinview/twinview-trainer", "spec.ports[0].targetport", "unknown field");
    }

    @Test
    void aValueOfTheWrongTypeDoesNotParse() {
        Manifests broken = platform.with("Deployment", "twinview-eval", d -> {
            ((ObjectNode) d.path("spec")).put("replicas", "two");
            return d;
        });
        assertViolation(broken, "Deployment twinview/twinview-eval", "spec.replicas", "does not parse as Deployment");
    }

    @Test
    void aMistypedFieldOfACustomResourceIsRejectedByItsCrdSchema() {
        Manifests broken = platform.with("KafkaTopic", "twinview-augment-tasks", t -> {
            ObjectNode spec = (ObjectNode) t.path("spec");
            spec.set("partition", spec.remove("partitions"));
            return t;
        });
        assertViolation(
                broken, "KafkaTopic twinview/twinview-augment-tasks", "spec.partition", "043-Crd-kafkatopic.yaml");
    }

    @Test
    void aWrongEnumValueOfACustomResourceIsRejected() {
        Manifests broken = platform.with("KafkaUser", "twinview-eval", u -> {
            ((ObjectNode) Json.at(u, "spec.authorization.acls[0]"))
                    .putArray("operations")
                    .add("Reed");
            return u;
        });
        assertViolation(broken, "KafkaUser twinview/twinview-eval", "spec.authorization.acls[0].operations[0]", "enum");
    }

    @Test
    void aWorkerUserAllowedToWriteCheckpointsBreaksLeastPrivilege() {
        Manifests broken = platform.with("KafkaUser", "twinview-augment", u -> {
            ObjectNode acl =
                    ((com.fasterxml.jackson.databind.node.ArrayNode) Json.at(u, "spec.authorization.acls")).addObject();
            ObjectNode resource = acl.putObject("resource");
            resource.put("type", "topic").put("name", "twinview.checkpoints").put("patternType", "literal");
            acl.putArray("operations").add("Write");
            return u;
        });
        assertViolation(
                broken,
                "KafkaUser twinview/twinview-augment",
                "spec.authorization.acls",
                "differ from io.twinview.core.kafka.KafkaAcls: more [TOPIC twinview.checkpoints WRITE], fewer []");
    }

    @Test
    void seccompRemovedBreaksTheRestrictedProfile() {
        Manifests broken = platform.with("Deployment", "twinview-trainer", d -> {
            ((ObjectNode) Json.at(d, "spec.template.spec.securityContext")).remove("seccompProfile");
            return d;
        });
        assertViolation(broken, TRAINER, "spec.template.spec.securityContext.seccompProfile", "RuntimeDefault");
    }

    @Test
    void privilegeEscalationAllowedBreaksTheRestrictedProfile() {
        Manifests broken = dev.with("Deployment", "twinview-kafka", d -> {
            ((ObjectNode) Json.at(d, CONTAINER + ".securityContext")).put("allowPrivilegeEscalation", true);
            return d;
        });
        assertViolation(
                broken,
                "Deployment twinview-dev/twinview-kafka",
                CONTAINER + ".securityContext.allowPrivilegeEscalation",
                "must be false");
    }

    @Test
    void aServiceWithoutItsCacheVolumeIsRejected() {
        Manifests broken = platform.with("Deployment", "twinview-eval", d -> {
            ((ObjectNode) Json.at(d, CONTAINER))
                    .putArray("volumeMounts")
                    .addObject()
                    .put("name", "tmp")
                    .put("mountPath", "/tmp");
            return d;
        });
        assertViolation(
                broken, "Deployment twinview/twinview-eval", CONTAINER + ".volumeMounts", "/var/cache/twinview");
    }

    @Test
    void maxReplicaCountAboveTheTasksPartitionsIsRejected() {
        Manifests broken = platform.with("ScaledObject", "twinview-augment", s -> {
            ((ObjectNode) s.path("spec")).put("maxReplicaCount", 64);
            return s;
        });
        assertViolation(
                broken,
                "ScaledObject twinview/twinview-augment",
                "spec.maxReplicaCount",
                "above the tasks topic's 32 partitions");
    }

    @Test
    void aGpuInRequestsOnlyIsRejected() {
        Manifests broken = platform.with("Deployment", "twinview-trainer", d -> {
            ObjectNode resources = (ObjectNode) Json.at(d, CONTAINER + ".resources");
            JsonNode gpu = ((ObjectNode) resources.path("limits")).remove("nvidia.com/gpu");
            ((ObjectNode) resources.path("requests")).set("nvidia.com/gpu", gpu);
            return d;
        });
        assertViolation(broken, TRAINER, CONTAINER + ".resources.requests[\"nvidia.com/gpu\"]", "in requests only");
    }

    @Test
    void aContainerWithoutAMemoryLimitIsRejected() {
        Manifests broken = platform.with("Deployment", "twinview-eval", d -> {
            ((ObjectNode) Json.at(d, CONTAINER + ".resources.limits")).remove("memory");
            return d;
        });
        assertViolation(
                broken, "Deployment twinview/twinview-eval", CONTAINER + ".resources.limits.memory", "is missing");
    }

    @Test
    void emptyDirsBeyondTheEphemeralStorageLimitAreRejected() {
        Manifests broken = platform.with("Deployment", "twinview-augment", d -> {
            ((ObjectNode) Json.at(d, "spec.template.spec.volumes[1].emptyDir")).put("sizeLimit", "100Gi");
            return d;
        });
        assertViolation(broken, AUGMENT, "spec.template.spec.volumes", "ephemeral-storage limits");
    }

    @Test
    void kedaWatchingAnotherGroupThanTheWorkersIsRejected() {
        Manifests broken = platform.with("ConfigMap", configMap(platform), c -> {
            ((ObjectNode) c.path("data")).put("TWINVIEW_AUGMENT_GROUP_ID", "twinview-augment-blue");
            return c;
        });
        assertViolation(
                broken,
                "ScaledObject twinview/twinview-augment",
                "spec.triggers[0].metadata.consumerGroup",
                "twinview.augment.group-id=twinview-augment-blue");
    }

    @Test
    void anUnknownKedaTriggerKeyIsRejected() {
        Manifests broken = platform.with("ScaledObject", "twinview-augment", s -> {
            ((ObjectNode) Json.at(s, "spec.triggers[0].metadata")).put("lagTreshold", "1");
            return s;
        });
        assertViolation(
                broken,
                "ScaledObject twinview/twinview-augment",
                "spec.triggers[0].metadata.lagTreshold",
                "no trigger metadata of KEDA's kafka scaler");
    }

    @Test
    void aTasksTopicWithOtherPartitionsThanTheServicesIsRejected() {
        Manifests broken = platform.with("KafkaTopic", "twinview-augment-tasks", t -> {
            ((ObjectNode) t.path("spec")).put("partitions", 16);
            return t;
        });
        assertViolation(
                broken,
                "KafkaTopic twinview/twinview-augment-tasks",
                "spec.partitions",
                "services' tasks partitions are 32");
    }

    @Test
    void aSecretWithDataInThePlatformOverlayIsRejected() {
        Manifests broken = platform.plus("""
                apiVersion: v1
                kind: Secret
                metadata:
                  name: twinview-s3
                  namespace: twinview
                stringData:
                  access-key: AKIA
                """);
        assertViolation(broken, "Secret twinview/twinview-s3", "stringData", "holds credentials");
    }

    @Test
    void aCredentialInTheConfigMapIsRejected() {
        Manifests broken = platform.with("ConfigMap", configMap(platform), c -> {
            ((ObjectNode) c.path("data")).put("KAFKA_SSL_TRUSTSTORE_PASSWORD", "changeit");
            return c;
        });
        assertViolation(
                broken,
                "ConfigMap twinview/" + configMap(platform),
                "data.KAFKA_SSL_TRUSTSTORE_PASSWORD",
                "looks like a credential");
    }

    @Test
    void aRollingTrainerIsRejected() {
        Manifests broken = platform.with("Deployment", "twinview-trainer", d -> {
            ((ObjectNode) Json.at(d, "spec.strategy")).put("type", "RollingUpdate");
            return d;
        });
        assertViolation(broken, TRAINER, "spec.strategy.type", "must be Recreate");
    }

    @Test
    void aDisruptionBudgetThatBlocksTrainerDrainsIsRejected() {
        Manifests broken = platform.plus("""
                apiVersion: policy/v1
                kind: PodDisruptionBudget
                metadata:
                  name: twinview-trainer
                  namespace: twinview
                spec:
                  minAvailable: 1
                  selector:
                    matchLabels:
                      app.kubernetes.io/name: twinview-trainer
                """);
        assertViolation(
                broken, "PodDisruptionBudget twinview/twinview-trainer", "spec.minAvailable", "blocks node drains");
    }

    @Test
    void aShortGracePeriodForWorkersIsRejected() {
        Manifests broken = platform.with("Deployment", "twinview-augment", d -> {
            ((ObjectNode) Json.at(d, "spec.template.spec")).put("terminationGracePeriodSeconds", 30);
            return d;
        });
        assertViolation(broken, AUGMENT, "spec.template.spec.terminationGracePeriodSeconds", "more than 120 s");
    }

    @Test
    void aServiceSelectingNoPodIsRejected() {
        Manifests broken = platform.with("Service", "twinview-eval", s -> {
            ((ObjectNode) Json.at(s, "spec.selector")).put("app.kubernetes.io/name", "twinview-evaluator");
            return s;
        });
        assertViolation(broken, "Service twinview/twinview-eval", "spec.selector", "matches the labels of no pod");
    }

    @Test
    void aProbeOnAnUndeclaredPortIsRejected() {
        Manifests broken = platform.with("Deployment", "twinview-augment", d -> {
            ((ObjectNode) Json.at(d, CONTAINER + ".readinessProbe.httpGet")).put("port", "metrics");
            return d;
        });
        assertViolation(broken, AUGMENT, CONTAINER + ".readinessProbe.httpGet.port", "does not declare");
    }

    @Test
    void aMissingDefaultDenyIsRejected() {
        Manifests broken = platform.without("NetworkPolicy", "twinview-default-deny");
        assertViolation(broken, AUGMENT, "metadata.namespace", "no default-deny NetworkPolicy");
    }

    @Test
    void anAutomountedTokenIsRejected() {
        Manifests broken = platform.with("ServiceAccount", "twinview-eval", a -> {
            a.put("automountServiceAccountToken", true);
            return a;
        });
        assertViolation(
                broken, "ServiceAccount twinview/twinview-eval", "automountServiceAccountToken", "must be false");
    }

    /** The name kustomize gave base's twinview-config (a hash suffix). */
    private static String configMap(Manifests manifests) {
        return manifests.ofKind("ConfigMap").stream()
                .filter(m -> m.name().startsWith("twinview-config"))
                .findFirst()
                .orElseThrow()
                .name();
    }

    private static void assertViolation(Manifests broken, String document, String path, String message) {
        List<Violation> violations = validator.validate(broken);
        boolean found = violations.stream()
                .anyMatch(v -> v.document().equals(document)
                        && v.path().equals(path)
                        && v.message().contains(message));
        assertTrue(
                found,
                () -> "expected a violation of " + document + " at " + path + " saying '" + message + "'; got "
                        + Validator.report(broken, violations));
        violations.stream()
                .filter(v -> v.document().equals(document) && v.path().equals(path))
                .forEach(v -> assertTrue(
                        v.toString().startsWith(document + " " + path + ": "),
                        "a violation reads 'document path: message': " + v));
    }
}
