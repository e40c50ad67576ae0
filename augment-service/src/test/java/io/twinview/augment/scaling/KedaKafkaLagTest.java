package io.twinview.augment.scaling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.augment.scaling.KedaKafkaLag.Metric;
import io.twinview.augment.scaling.KedaKafkaLag.OffsetResetPolicy;
import io.twinview.augment.scaling.KedaKafkaLag.PartitionOffsets;
import io.twinview.augment.scaling.KedaKafkaLag.Settings;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** KEDA v2.20.2's kafka lag on fixed offsets, each figure worked out by hand from kafka_scaler.go. */
class KedaKafkaLagTest {

    private static final long NONE = KedaKafkaLag.NO_OFFSET;

    private static Settings settings(long threshold, OffsetResetPolicy policy, boolean allowIdle, boolean limit) {
        return new Settings(threshold, 0, policy, allowIdle, limit, false);
    }

    @Test
    void lagIsLatestMinusCommitted() {
        Settings s = settings(1, OffsetResetPolicy.EARLIEST, false, false);
        assertEquals(7, KedaKafkaLag.lag(s, 10, 3), "latest 10, committed 3");
        assertEquals(0, KedaKafkaLag.lag(s, 10, 10), "all committed");
    }

    @Test
    void withoutACommittedOffsetEarliestCountsTheLatestOffsetAndLatestCountsOne() {
        Settings earliest = settings(1, OffsetResetPolicy.EARLIEST, false, false);
        Settings latest = settings(1, OffsetResetPolicy.LATEST, false, false);
        assertEquals(
                40,
                KedaKafkaLag.lag(earliest, 40, NONE),
                "earliest: the whole log up to the latest offset (KEDA does not subtract the earliest offset)");
        assertEquals(1, KedaKafkaLag.lag(latest, 40, NONE), "latest: 1 whatever the log holds");
        assertEquals(0, KedaKafkaLag.lag(earliest, 0, NONE), "an empty partition never committed has no lag");
        Settings zero = new Settings(1, 0, OffsetResetPolicy.EARLIEST, false, false, true);
        assertEquals(0, KedaKafkaLag.lag(zero, 40, NONE), "scaleToZeroOnInvalidOffset: 0");
    }

    @Test
    void theTotalIsCappedAtThePartitionsUnlessIdleConsumersAreAllowed() {
        // lags 50, 0, 3, 0 (total 53) over 4 partitions; threshold 5
        List<PartitionOffsets> offsets = List.of(
                new PartitionOffsets(0, 50, NONE),
                new PartitionOffsets(1, 8, 8),
                new PartitionOffsets(2, 9, 6),
                new PartitionOffsets(3, 0, NONE));
        Metric capped = KedaKafkaLag.metric(settings(5, OffsetResetPolicy.EARLIEST, false, false), offsets);
        assertEquals(53, capped.totalLag(), "50 + 0 + 3 + 0");
        assertEquals(2, capped.partitionsWithLag(), "partitions 0 and 2");
        assertEquals(20, capped.value(), "53 / 5 = 10 > 4 partitions: 4 x 5");
        Metric limited = KedaKafkaLag.metric(settings(5, OffsetResetPolicy.EARLIEST, false, true), offsets);
        assertEquals(10, limited.value(), "limitToPartitionsWithLag: 2 partitions with lag x 5");
        Metric idle = KedaKafkaLag.metric(settings(5, OffsetResetPolicy.EARLIEST, true, false), offsets);
        assertEquals(53, idle.value(), "allowIdleConsumers: no cap");
    }

    @Test
    void theCapComparesTheIntegerQuotient() {
        // total 11, threshold 5, 2 partitions with lag: 11 / 5 = 2 (integer), not > 2, so no cap
        List<PartitionOffsets> offsets = List.of(new PartitionOffsets(0, 6, 0), new PartitionOffsets(1, 5, 0));
        Metric m = KedaKafkaLag.metric(settings(5, OffsetResetPolicy.EARLIEST, false, true), offsets);
        assertEquals(11, m.value(), "11 / 5 truncates to 2, which is not above the 2 partitions with lag");
    }

    @Test
    void activityIsTheUncappedTotalAboveTheActivationThreshold() {
        List<PartitionOffsets> offsets = List.of(new PartitionOffsets(0, 3, 0));
        assertTrue(
                KedaKafkaLag.metric(new Settings(1, 2, OffsetResetPolicy.EARLIEST, false, true, false), offsets)
                        .active(),
                "3 > 2");
        assertFalse(
                KedaKafkaLag.metric(new Settings(1, 3, OffsetResetPolicy.EARLIEST, false, true, false), offsets)
                        .active(),
                "3 is not > 3");
    }

    @Test
    void triggerMetadataTakesKedasDefaultsAndRefusesWhatIsNotEmulated() {
        Settings defaults = Settings.fromTriggerMetadata(Map.of("topic", "t"));
        assertEquals(new Settings(10, 0, OffsetResetPolicy.LATEST, false, false, false), defaults, "KEDA defaults");
        Settings ours = Settings.fromTriggerMetadata(Map.of(
                "topic",
                "t",
                "lagThreshold",
                "1",
                "offsetResetPolicy",
                "earliest",
                "limitToPartitionsWithLag",
                "true"));
        assertEquals(new Settings(1, 0, OffsetResetPolicy.EARLIEST, false, true, false), ours, "the strings parsed");
        assertThrows(
                IllegalArgumentException.class,
                () -> Settings.fromTriggerMetadata(
                        Map.of("topic", "t", "allowIdleConsumers", "true", "limitToPartitionsWithLag", "true")),
                "KEDA refuses both together");
        assertThrows(
                IllegalArgumentException.class,
                () -> Settings.fromTriggerMetadata(Map.of("topic", "t", "excludePersistentLag", "true")),
                "not emulated: refused rather than ignored");
    }
}
