package io.twinview.augment.scaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A ScaledObject's YAML becomes the HPA that KEDA makes of it, with the API server's defaults. */
class KedaScaledObjectTest {

    private static final String YAML = """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: other}
            ---
            apiVersion: keda.sh/v1alpha1
            kind: ScaledObject
            metadata:
              name: augment-worker
            spec:
              scaleTargetRef: {name: augment-worker}
              minReplicaCount: 1
              maxReplicaCount: 32
              advanced:
                horizontalPodAutoscalerConfig:
                  behavior:
                    scaleDown:
                      stabilizationWindowSeconds: 120
              triggers:
              - type: kafka
                metadata:
                  bootstrapServers: kafka:9092
                  consumerGroup: twinview-augment
                  topic: twinview.augment-tasks
                  lagThreshold: "1"
                  offsetResetPolicy: earliest
                  limitToPartitionsWithLag: "true"
            """;

    @Test
    void theHpaTakesTheBoundsTheThresholdAndTheWindowWithDefaultsForTheRest() {
        KedaScaledObject so = KedaScaledObject.parse(YAML);
        assertEquals("augment-worker", so.name(), "metadata.name");
        HpaEmulator.Spec hpa = so.hpaSpec();
        assertEquals(1, hpa.minReplicas(), "minReplicaCount");
        assertEquals(32, hpa.maxReplicas(), "maxReplicaCount");
        assertEquals(1.0, hpa.targetAverageValue(), "target averageValue = lagThreshold");
        assertEquals(Duration.ofSeconds(120), hpa.scaleDown().stabilizationWindow(), "the ScaledObject's window");
        assertEquals(
                HpaEmulator.Rules.defaultScaleDown().policies(),
                hpa.scaleDown().policies(),
                "scale-down policies left out: the API server's default (100% per 15 s)");
        assertEquals(HpaEmulator.Rules.defaultScaleUp(), hpa.scaleUp(), "no scaleUp: the default rules");
        assertEquals(
                new KedaKafkaLag.Settings(1, 0, KedaKafkaLag.OffsetResetPolicy.EARLIEST, false, true, false),
                so.lagSettings(),
                "the trigger's lag settings");
    }

    @Test
    void zeroMinReplicasIsOneForTheHpa() {
        KedaScaledObject so = KedaScaledObject.parse(YAML.replace("minReplicaCount: 1", "minReplicaCount: 0"));
        assertEquals(1, so.hpaSpec().minReplicas(), "KEDA scales 0 <-> 1 itself; the HPA's floor is 1");
    }

    @Test
    void policiesInTheYamlReplaceTheDefaults() {
        KedaScaledObject so = KedaScaledObject.parse(YAML.replace(
                "stabilizationWindowSeconds: 120",
                "stabilizationWindowSeconds: 120\n          selectPolicy: Min\n          policies:\n"
                        + "          - {type: Pods, value: 2, periodSeconds: 60}"));
        assertEquals(HpaEmulator.Select.MIN, so.scaleDown().select(), "selectPolicy Min");
        assertEquals(
                List.of(new HpaEmulator.Policy(HpaEmulator.PolicyType.PODS, 2, Duration.ofSeconds(60))),
                so.scaleDown().policies(),
                "the ScaledObject's policy");
    }

    @Test
    void manifestsWithoutAScaledObjectAreRefused() {
        assertThrows(
                IllegalStateException.class,
                () -> KedaScaledObject.parse("kind: ConfigMap\n"),
                "no ScaledObject: the emulation has nothing to emulate");
    }
}
