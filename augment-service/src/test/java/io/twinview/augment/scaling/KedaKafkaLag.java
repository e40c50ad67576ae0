package io.twinview.augment.scaling;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The metric KEDA's kafka scaler gives the HPA, computed as KEDA v2.20.2 does it
 * ({@code pkg/scalers/kafka_scaler.go}: {@code getLagForPartition}, {@code getTotalLag},
 * {@code GetMetricsAndActivity}), for one topic and one consumer group.
 *
 * <ul>
 *   <li>Per partition, lag = latest offset - committed offset.</li>
 *   <li>No committed offset: {@code offsetResetPolicy: latest} counts 1 (0 with
 *       {@code scaleToZeroOnInvalidOffset}); {@code earliest} counts the latest offset itself
 *       (KEDA does not subtract the earliest offset, so records already deleted by retention
 *       still count), or 0 with {@code scaleToZeroOnInvalidOffset}.</li>
 *   <li>Unless {@code allowIdleConsumers}, the total is capped so that total / lagThreshold
 *       (integer division) is at most the partition count, or with
 *       {@code limitToPartitionsWithLag} the count of partitions whose lag is above 0.</li>
 *   <li>The scaler is active while the uncapped total exceeds {@code activationLagThreshold}.</li>
 * </ul>
 * Not emulated, and refused when set: {@code excludePersistentLag},
 * {@code ensureEvenDistributionOfPartitions}, {@code partitionLimitation}.
 */
public final class KedaKafkaLag {

    /** KEDA's {@code invalidOffset}: the group has no committed offset for the partition. */
    public static final long NO_OFFSET = -1;

    private KedaKafkaLag() {}

    public enum OffsetResetPolicy {
        LATEST,
        EARLIEST
    }

    /** The trigger metadata that the metric depends on, with KEDA's defaults. */
    public record Settings(
            long lagThreshold,
            long activationLagThreshold,
            OffsetResetPolicy offsetResetPolicy,
            boolean allowIdleConsumers,
            boolean limitToPartitionsWithLag,
            boolean scaleToZeroOnInvalidOffset) {

        public Settings {
            if (lagThreshold <= 0) {
                throw new IllegalArgumentException("lagThreshold must be positive, was " + lagThreshold);
            }
            if (activationLagThreshold < 0) {
                throw new IllegalArgumentException(
                        "activationLagThreshold must not be negative, was " + activationLagThreshold);
            }
            if (allowIdleConsumers && limitToPartitionsWithLag) {
                throw new IllegalArgumentException(
                        "allowIdleConsumers and limitToPartitionsWithLag cannot be set simultaneously");
            }
        }

        /**
         * From a kafka trigger's {@code metadata} (string values, as in the ScaledObject), KEDA's
         * defaults for what is absent: lagThreshold 10, activationLagThreshold 0, offsetResetPolicy
         * latest, the flags false.
         */
        public static Settings fromTriggerMetadata(Map<String, String> metadata) {
            for (String unsupported : List.of("excludePersistentLag", "ensureEvenDistributionOfPartitions")) {
                if (Boolean.parseBoolean(metadata.getOrDefault(unsupported, "false"))) {
                    throw new IllegalArgumentException(unsupported + " is not emulated");
                }
            }
            if (!metadata.getOrDefault("partitionLimitation", "").isBlank()) {
                throw new IllegalArgumentException("partitionLimitation is not emulated");
            }
            if (metadata.getOrDefault("topic", "").isBlank()) {
                throw new IllegalArgumentException("the trigger must name its topic (the emulation reads one topic)");
            }
            String policy = metadata.getOrDefault("offsetResetPolicy", "latest");
            if (!policy.equals("latest") && !policy.equals("earliest")) {
                throw new IllegalArgumentException(
                        "offsetResetPolicy must be latest or earliest, was '" + policy + "'");
            }
            return new Settings(
                    Long.parseLong(metadata.getOrDefault("lagThreshold", "10")),
                    Long.parseLong(metadata.getOrDefault("activationLagThreshold", "0")),
                    OffsetResetPolicy.valueOf(policy.toUpperCase(Locale.ROOT)),
                    Boolean.parseBoolean(metadata.getOrDefault("allowIdleConsumers", "false")),
                    Boolean.parseBoolean(metadata.getOrDefault("limitToPartitionsWithLag", "false")),
                    Boolean.parseBoolean(metadata.getOrDefault("scaleToZeroOnInvalidOffset", "false")));
        }
    }

    /**
     * One partition as the scaler reads it.
     *
     * @param latest    the log end offset (ListOffsets, newest)
     * @param committed the group's committed offset, or {@link #NO_OFFSET}
     */
    public record PartitionOffsets(int partition, long latest, long committed) {}

    /**
     * What the scaler reports.
     *
     * @param value             the external metric (the capped total lag); the HPA's target is lagThreshold per replica
     * @param totalLag          the lag summed over partitions, before the cap
     * @param partitions        partitions of the topic
     * @param partitionsWithLag partitions whose lag is above 0
     * @param active            totalLag above activationLagThreshold (KEDA scales 0 to 1 on it)
     */
    public record Metric(long value, long totalLag, int partitions, int partitionsWithLag, boolean active) {}

    /** {@code getLagForPartition} without excludePersistentLag. */
    public static long lag(Settings settings, long latest, long committed) {
        if (committed == NO_OFFSET) {
            if (settings.scaleToZeroOnInvalidOffset()) {
                return 0;
            }
            return settings.offsetResetPolicy() == OffsetResetPolicy.LATEST ? 1 : latest;
        }
        return latest - committed;
    }

    /** {@code getTotalLag} and the activity of {@code GetMetricsAndActivity}. */
    public static Metric metric(Settings settings, List<PartitionOffsets> offsets) {
        long total = 0;
        int withLag = 0;
        for (PartitionOffsets p : offsets) {
            long lag = lag(settings, p.latest(), p.committed());
            total += lag;
            if (lag > 0) {
                withLag++;
            }
        }
        long value = total;
        if (!settings.allowIdleConsumers() || settings.limitToPartitionsWithLag()) {
            long upperBound = settings.limitToPartitionsWithLag() ? withLag : offsets.size();
            if (value / settings.lagThreshold() > upperBound) {
                value = upperBound * settings.lagThreshold();
            }
        }
        return new Metric(value, total, offsets.size(), withLag, total > settings.activationLagThreshold());
    }
}
