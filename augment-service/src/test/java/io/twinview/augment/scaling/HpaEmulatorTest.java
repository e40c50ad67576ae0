package io.twinview.augment.scaling;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.twinview.augment.scaling.HpaEmulator.Policy;
import io.twinview.augment.scaling.HpaEmulator.PolicyType;
import io.twinview.augment.scaling.HpaEmulator.Rules;
import io.twinview.augment.scaling.HpaEmulator.Select;
import io.twinview.augment.scaling.HpaEmulator.Spec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The HPA's arithmetic on fixed inputs, each expected count worked out by hand from horizontal.go. */
class HpaEmulatorTest {

    private static final Instant T0 = Instant.parse("2026-12-05T00:00:00Z");

    /** min 1, max 6, target 1 per replica, tolerance 0.1, default scale-up, no scale-down window. */
    private static Spec spec(Rules down) {
        return new Spec(1, 6, 1, 0.1, Rules.defaultScaleUp(), down);
    }

    private static Rules noWindowDown() {
        return Rules.defaultScaleDown().withWindow(Duration.ZERO);
    }

    private static Instant at(long seconds) {
        return T0.plusSeconds(seconds);
    }

    @Test
    void desiredIsTheCeilingOfTotalOverTarget() {
        HpaEmulator hpa = new HpaEmulator(new Spec(1, 20, 4, 0.1, Rules.defaultScaleUp(), noWindowDown()));
        assertEquals(5, hpa.externalPerPodReplicas(2, 17), "ceil(17 / 4) = 5");
        assertEquals(1, hpa.externalPerPodReplicas(3, 0.5), "ceil(0.5 / 4) = 1");
        assertEquals(0, hpa.externalPerPodReplicas(3, 0), "no metric: 0 (min replicas apply later)");
    }

    @Test
    void withinTheToleranceTheCountStays() {
        HpaEmulator hpa = new HpaEmulator(new Spec(1, 100, 10, 0.1, Rules.defaultScaleUp(), noWindowDown()));
        assertEquals(10, hpa.externalPerPodReplicas(10, 109), "ratio 1.09: within 10%, stays at 10 (not 11)");
        assertEquals(10, hpa.externalPerPodReplicas(10, 91), "ratio 0.91: stays at 10 (not 10 by ceil anyway)");
        assertEquals(9, hpa.externalPerPodReplicas(10, 89), "ratio 0.89: ceil(8.9) = 9");
        assertEquals(12, hpa.externalPerPodReplicas(10, 111), "ratio 1.11: ceil(11.1) = 12");
    }

    @Test
    void scaleUpIsLimitedToFourPodsOrDoublePerPeriodAndToMax() {
        HpaEmulator hpa = new HpaEmulator(new Spec(1, 20, 1, 0.1, Rules.defaultScaleUp(), noWindowDown()));
        HpaEmulator.Decision first = hpa.reconcile(at(0), 1, 20);
        assertEquals(5, first.desired(), "from 1: max(1 + 4, 2 x 1) = 5");
        assertEquals("ScaleUpLimit", first.reason(), "the rate limited it");
        assertEquals(
                5,
                hpa.reconcile(at(5), 5, 20).desired(),
                "5 s later the period (15 s) started at 1 replica: still at most 5");
        assertEquals(10, hpa.reconcile(at(16), 5, 20).desired(), "next period: max(5 + 4, 2 x 5) = 10");
        HpaEmulator capped = new HpaEmulator(spec(noWindowDown()));
        assertEquals(5, capped.reconcile(at(0), 1, 50).desired(), "rate first: 5");
        HpaEmulator.Decision top = capped.reconcile(at(20), 5, 50);
        assertEquals(6, top.desired(), "then maxReplicas 6");
        assertEquals("TooManyReplicas", top.reason(), "maxReplicas limited it");
    }

    @Test
    void scaleDownKeepsTheHighestRecommendationOfTheWindow() {
        HpaEmulator hpa = new HpaEmulator(spec(Rules.defaultScaleDown().withWindow(Duration.ofSeconds(10))));
        assertEquals(5, hpa.reconcile(at(0), 1, 6).desired(), "up: 1 -> 5 (rate)");
        assertEquals(6, hpa.reconcile(at(16), 5, 6).desired(), "up: 5 -> 6");
        HpaEmulator.Decision drained = hpa.reconcile(at(18), 6, 0);
        assertEquals(0, drained.metricReplicas(), "no lag asks for 0");
        assertEquals(6, drained.desired(), "but 6 was recommended 2 s ago, inside the 10 s window");
        assertEquals("ScaleDownStabilized", drained.reason(), "the controller's reason");
        assertEquals(6, hpa.reconcile(at(25), 6, 0).desired(), "at 25 s the 6 of 16 s is still inside");
        assertEquals(1, hpa.reconcile(at(27), 6, 0).desired(), "at 27 s the window holds only 0s: min 1");
    }

    @Test
    void aLowerRecommendationInsideTheWindowIsTheFloor() {
        HpaEmulator hpa = new HpaEmulator(spec(Rules.defaultScaleDown().withWindow(Duration.ofSeconds(30))));
        hpa.reconcile(at(0), 6, 6); // recommends 6
        assertEquals(6, hpa.reconcile(at(5), 6, 3).desired(), "3 wanted, 6 in the window");
        assertEquals(6, hpa.reconcile(at(10), 6, 2).desired(), "the highest in the window stays 6 until 30 s after it");
        assertEquals(3, hpa.reconcile(at(32), 6, 2).desired(), "at 32 s the window holds 3 (5 s) and 2: 3");
    }

    @Test
    void scaleDownRatePoliciesAreHonoured() {
        Rules slowDown =
                new Rules(Duration.ZERO, Select.MAX, List.of(new Policy(PolicyType.PODS, 1, Duration.ofSeconds(10))));
        HpaEmulator hpa = new HpaEmulator(spec(slowDown));
        assertEquals(5, hpa.reconcile(at(0), 6, 0).desired(), "at most 1 pod per 10 s: 6 -> 5");
        assertEquals(5, hpa.reconcile(at(4), 5, 0).desired(), "same period: the period started at 6, 6 - 1 = 5");
        assertEquals(4, hpa.reconcile(at(11), 5, 0).desired(), "next period: 5 -> 4");
        Rules disabled = new Rules(
                Duration.ZERO, Select.DISABLED, Rules.defaultScaleDown().policies());
        assertEquals(6, new HpaEmulator(spec(disabled)).reconcile(at(0), 6, 0).desired(), "selectPolicy Disabled");
    }

    @Test
    void outsideMinAndMaxTheCountReturnsToTheBound() {
        HpaEmulator hpa = new HpaEmulator(spec(noWindowDown()));
        assertEquals(6, hpa.reconcile(at(0), 9, 0).desired(), "above max: max, whatever the metric");
        assertEquals(1, hpa.reconcile(at(1), 0, 100).desired(), "below min: min");
        HpaEmulator.Decision floor = hpa.reconcile(at(2), 3, 0);
        assertEquals(1, floor.desired(), "no lag, no window: down to min 1");
        assertEquals("TooFewReplicas", floor.reason(), "minReplicas limited it");
    }
}
