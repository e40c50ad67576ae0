package io.twinview.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.augment.config.AugmentConfig;
import io.twinview.trainer.config.TrainerConfig;
import org.junit.jupiter.api.Test;

/** A setting resolves as Quarkus would: container env, then envFrom ConfigMap, then application.properties, then the default. */
class ServiceSettingsTest {

    private static final String WORKERS = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
            data:
              TWINVIEW_AUGMENT_TASKS_PARTITIONS: "48"
              TWINVIEW_AUGMENT_GROUP_ID: from-config-map
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: workers
            spec:
              template:
                spec:
                  containers:
                    - name: augment
                      image: registry.example.com/twinview/augment:1.0
                      envFrom:
                        - configMapRef:
                            name: settings
                      env:
                        - name: TWINVIEW_AUGMENT_GROUP_ID
                          value: from-env
            """;

    @Test
    void theContainersEnvWinsOverItsConfigMap() {
        var settings = ServiceSettings.of(Manifests.parse("test", WORKERS), "augment", AugmentConfig.class)
                .orElseThrow();

        var group = settings.get("groupId");
        assertEquals("twinview.augment.group-id", group.key(), "the key as Quarkus names it");
        assertEquals("from-env", group.value(), "explicit env beats envFrom, as in Kubernetes");
        assertTrue(group.source().contains("TWINVIEW_AUGMENT_GROUP_ID"), group.source());
    }

    @Test
    void theConfigMapWinsOverTheDefault() {
        var settings = ServiceSettings.of(Manifests.parse("test", WORKERS), "augment", AugmentConfig.class)
                .orElseThrow();

        assertEquals(48, settings.get("tasksPartitions").asInt());
        assertEquals(
                "ConfigMap settings data.TWINVIEW_AUGMENT_TASKS_PARTITIONS",
                settings.get("tasksPartitions").source());
    }

    @Test
    void withoutEnvTheDefaultOfTheConfigMappingApplies() {
        var settings = ServiceSettings.of(Manifests.parse("test", WORKERS), "augment", AugmentConfig.class)
                .orElseThrow();

        var topic = settings.get("tasksTopic");
        assertEquals("twinview.augment-tasks", topic.value(), "AugmentConfig's @WithDefault");
        assertEquals("AugmentConfig.tasksTopic default", topic.source());
    }

    @Test
    void aServiceWithoutAContainerHasNoSettings() {
        assertTrue(ServiceSettings.of(Manifests.parse("test", WORKERS), "trainer", TrainerConfig.class)
                .isEmpty());
    }
}
