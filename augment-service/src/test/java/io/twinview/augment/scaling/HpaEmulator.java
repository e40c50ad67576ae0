package io.twinview.augment.scaling;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The Kubernetes HorizontalPodAutoscaler controller for one target with one External metric of
 * type AverageValue (what KEDA makes of a ScaledObject), as {@code pkg/controller/podautoscaler}
 * computes it since 1.27 ({@code reconcileAutoscaler}, {@code GetExternalPerPodMetricReplicas},
 * {@code normalizeDesiredReplicasWithBehaviors}, {@code stabilizeRecommendationWithBehaviors},
 * {@code convertDesiredReplicasWithBehaviorRate}, {@code storeScaleEvent}). Time is passed in,
 * so a test can run it on a clock of its own.
 *
 * <ol>
 *   <li>Out of [min, max]: back to the nearest bound, nothing else.</li>
 *   <li>Metric: ratio = total / (target x current). Within the tolerance (|1 - ratio| &lt;= 0.1 by
 *       default) the recommendation is the current count, else ceil(total / target).</li>
 *   <li>Stabilisation: the recommendation is kept between the lowest recommendation of the
 *       scale-up window and the highest of the scale-down window (both include this one).</li>
 *   <li>Rate: a scale-up at most to what the scale-up policies allow over their periods (default
 *       +4 pods or +100% per 15 s, whichever is more), a scale-down at most what the scale-down
 *       policies allow (default -100% per 15 s); then [min, max].</li>
 * </ol>
 * Not emulated: pods not ready or missing metrics (every replica here counts), the old
 * algorithm of an HPA without {@code behavior} (KEDA sets one when the ScaledObject has one).
 */
public final class HpaEmulator {

    public enum PolicyType {
        PODS,
        PERCENT
    }

    /** {@code selectPolicy}: MAX picks the largest change, MIN the smallest, DISABLED none. */
    public enum Select {
        MAX,
        MIN,
        DISABLED
    }

    public record Policy(PolicyType type, int value, Duration period) {}

    /** {@code HPAScalingRules}: a stabilisation window, how to choose among policies, the policies. */
    public record Rules(Duration stabilizationWindow, Select select, List<Policy> policies) {
        public Rules {
            Objects.requireNonNull(stabilizationWindow, "stabilizationWindow");
            Objects.requireNonNull(select, "select");
            policies = List.copyOf(policies);
        }

        /** The API server's default scale-up rules: no window; +4 pods or +100% per 15 s, the larger. */
        public static Rules defaultScaleUp() {
            return new Rules(
                    Duration.ZERO,
                    Select.MAX,
                    List.of(
                            new Policy(PolicyType.PODS, 4, Duration.ofSeconds(15)),
                            new Policy(PolicyType.PERCENT, 100, Duration.ofSeconds(15))));
        }

        /** The default scale-down rules: the controller's 300 s window; -100% per 15 s. */
        public static Rules defaultScaleDown() {
            return new Rules(
                    Duration.ofSeconds(300),
                    Select.MAX,
                    List.of(new Policy(PolicyType.PERCENT, 100, Duration.ofSeconds(15))));
        }

        public Rules withWindow(Duration window) {
            return new Rules(window, select, policies);
        }

        /** The same rules with every policy period replaced (tests compress time). */
        public Rules withPeriods(Duration period) {
            return new Rules(
                    stabilizationWindow,
                    select,
                    policies.stream()
                            .map(p -> new Policy(p.type(), p.value(), period))
                            .toList());
        }

        Duration longestPeriod() {
            return policies.stream()
                    .map(Policy::period)
                    .max(Duration::compareTo)
                    .orElse(Duration.ZERO);
        }
    }

    /**
     * @param targetAverageValue the metric's target per replica (KEDA: lagThreshold)
     * @param tolerance          the controller's {@code --horizontal-pod-autoscaler-tolerance}, 0.1
     */
    public record Spec(
            int minReplicas,
            int maxReplicas,
            double targetAverageValue,
            double tolerance,
            Rules scaleUp,
            Rules scaleDown) {
        public Spec {
            if (minReplicas < 1 || maxReplicas < minReplicas) {
                throw new IllegalArgumentException(
                        "replicas must be 1 <= min <= max, were " + minReplicas + " and " + maxReplicas);
            }
            if (targetAverageValue <= 0) {
                throw new IllegalArgumentException("the target must be positive, was " + targetAverageValue);
            }
            Objects.requireNonNull(scaleUp, "scaleUp");
            Objects.requireNonNull(scaleDown, "scaleDown");
        }
    }

    /**
     * One reconciliation.
     *
     * @param metricReplicas what the metric alone asks for (after the tolerance)
     * @param desired        what the HPA sets the target to
     * @param reason         why desired differs from metricReplicas, in the controller's words: the
     *                       AbleToScale reason when a window held it (ScaleUpStabilized,
     *                       ScaleDownStabilized), else the ScalingLimited one (ScaleUpLimit,
     *                       TooManyReplicas, ScaleDownLimit, TooFewReplicas, DesiredWithinRange)
     */
    public record Decision(int metricReplicas, int desired, String reason) {}

    private record Recommendation(int replicas, Instant at) {}

    private static final class ScaleEvent {
        final int change;
        final Instant at;
        boolean outdated;

        ScaleEvent(int change, Instant at) {
            this.change = change;
            this.at = at;
        }
    }

    private final Spec spec;
    private final List<Recommendation> recommendations = new ArrayList<>();
    private final List<ScaleEvent> scaleUpEvents = new ArrayList<>();
    private final List<ScaleEvent> scaleDownEvents = new ArrayList<>();

    public HpaEmulator(Spec spec) {
        this.spec = Objects.requireNonNull(spec, "spec");
    }

    public Spec spec() {
        return spec;
    }

    /**
     * {@code reconcileAutoscaler} at {@code now}.
     *
     * @param current     the target's replicas now
     * @param metricTotal the external metric's value (summed over its series)
     */
    public Decision reconcile(Instant now, int current, double metricTotal) {
        int desired;
        int metricReplicas = current;
        String reason;
        if (current > spec.maxReplicas()) {
            desired = spec.maxReplicas();
            reason = "Current number of replicas above Spec.MaxReplicas";
        } else if (current < spec.minReplicas()) {
            desired = spec.minReplicas();
            reason = "Current number of replicas below Spec.MinReplicas";
        } else {
            metricReplicas = externalPerPodReplicas(current, metricTotal);
            int stabilized = stabilize(now, current, metricReplicas);
            Limited limited = limitRate(now, current, stabilized);
            desired = limited.replicas();
            reason = stabilized != metricReplicas
                    ? (metricReplicas >= current ? "ScaleUpStabilized" : "ScaleDownStabilized")
                    : limited.reason();
        }
        if (desired != current) {
            storeScaleEvent(now, current, desired);
        }
        return new Decision(metricReplicas, desired, reason);
    }

    /** {@code GetExternalPerPodMetricReplicas}, on milli-values as the controller reads quantities. */
    int externalPerPodReplicas(int current, double metricTotal) {
        long utilization = Math.round(metricTotal * 1000);
        long target = Math.round(spec.targetAverageValue() * 1000);
        double ratio = utilization / ((double) target * current);
        if (Math.abs(1.0 - ratio) <= spec.tolerance()) {
            return current;
        }
        return (int) Math.ceil(utilization / (double) target);
    }

    /** {@code stabilizeRecommendationWithBehaviors}: records the raw recommendation, returns it clamped by the windows. */
    private int stabilize(Instant now, int current, int recommended) {
        Instant upCutoff = now.minus(spec.scaleUp().stabilizationWindow());
        Instant downCutoff = now.minus(spec.scaleDown().stabilizationWindow());
        int up = recommended;
        int down = recommended;
        int oldIndex = -1;
        for (int i = 0; i < recommendations.size(); i++) {
            Recommendation r = recommendations.get(i);
            if (r.at().isAfter(upCutoff)) {
                up = Math.min(r.replicas(), up);
            }
            if (r.at().isAfter(downCutoff)) {
                down = Math.max(r.replicas(), down);
            }
            if (r.at().isBefore(upCutoff) && r.at().isBefore(downCutoff)) {
                oldIndex = i;
            }
        }
        int result = current;
        if (result < up) {
            result = up;
        }
        if (result > down) {
            result = down;
        }
        Recommendation fresh = new Recommendation(recommended, now);
        if (oldIndex >= 0) {
            recommendations.set(oldIndex, fresh);
        } else {
            recommendations.add(fresh);
        }
        return result;
    }

    private record Limited(int replicas, String reason) {}

    /** {@code convertDesiredReplicasWithBehaviorRate}, with the controller's reason when it limits. */
    private Limited limitRate(Instant now, int current, int desired) {
        if (desired > current) {
            int limit = Math.max(scaleUpLimit(now, current), current);
            boolean rate = spec.maxReplicas() > limit;
            int allowed = rate ? limit : spec.maxReplicas();
            if (desired > allowed) {
                return new Limited(allowed, rate ? "ScaleUpLimit" : "TooManyReplicas");
            }
        } else if (desired < current) {
            int limit = Math.min(scaleDownLimit(now, current), current);
            boolean rate = spec.minReplicas() < limit;
            int allowed = rate ? limit : spec.minReplicas();
            if (desired < allowed) {
                return new Limited(allowed, rate ? "ScaleDownLimit" : "TooFewReplicas");
            }
        }
        return new Limited(desired, "DesiredWithinRange");
    }

    /** {@code calculateScaleUpLimitWithScalingRules}. */
    private int scaleUpLimit(Instant now, int current) {
        Rules rules = spec.scaleUp();
        if (rules.select() == Select.DISABLED) {
            return current;
        }
        boolean min = rules.select() == Select.MIN;
        int result = min ? Integer.MAX_VALUE : Integer.MIN_VALUE;
        for (Policy policy : rules.policies()) {
            int start = current
                    - changes(now, policy.period(), scaleUpEvents)
                    + changes(now, policy.period(), scaleDownEvents);
            int proposed = policy.type() == PolicyType.PODS
                    ? start + policy.value()
                    : (int) Math.ceil(start * (1 + policy.value() / 100.0));
            result = min ? Math.min(result, proposed) : Math.max(result, proposed);
        }
        return result;
    }

    /** {@code calculateScaleDownLimitWithBehaviors}. */
    private int scaleDownLimit(Instant now, int current) {
        Rules rules = spec.scaleDown();
        if (rules.select() == Select.DISABLED) {
            return current;
        }
        boolean min = rules.select() == Select.MIN;
        int result = min ? Integer.MIN_VALUE : Integer.MAX_VALUE;
        for (Policy policy : rules.policies()) {
            int start = current
                    - changes(now, policy.period(), scaleUpEvents)
                    + changes(now, policy.period(), scaleDownEvents);
            int proposed = policy.type() == PolicyType.PODS
                    ? start - policy.value()
                    : (int) (start * (1 - policy.value() / 100.0));
            result = min ? Math.max(result, proposed) : Math.min(result, proposed);
        }
        return result;
    }

    /** {@code getReplicasChangePerPeriod}: replicas changed by the events of the last {@code period}. */
    private static int changes(Instant now, Duration period, List<ScaleEvent> events) {
        Instant cutoff = now.minus(period);
        int replicas = 0;
        for (ScaleEvent event : events) {
            if (event.at.isAfter(cutoff)) {
                replicas += event.change;
            }
        }
        return replicas;
    }

    /** {@code storeScaleEvent}: reuses an outdated slot (older than the longest policy period) if any. */
    private void storeScaleEvent(Instant now, int previous, int next) {
        boolean up = next > previous;
        List<ScaleEvent> events = up ? scaleUpEvents : scaleDownEvents;
        Duration longest = (up ? spec.scaleUp() : spec.scaleDown()).longestPeriod();
        Instant cutoff = now.minus(longest);
        int oldIndex = -1;
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).at.isBefore(cutoff)) {
                events.get(i).outdated = true;
            }
            if (events.get(i).outdated) {
                oldIndex = i;
            }
        }
        ScaleEvent event = new ScaleEvent(Math.abs(next - previous), now);
        if (oldIndex >= 0) {
            events.set(oldIndex, event);
        } else {
            events.add(event);
        }
    }
}
