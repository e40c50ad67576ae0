package io.twinview.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.twinview.proto.v1.EpochSamples;
import io.twinview.proto.v1.SampleCounts;
import java.util.List;
import org.junit.jupiter.api.Test;

class SampleAccountTest {

    /** 6 samples, two epochs: epoch 0 trained 1, 1, 2, 0, 1, 0 times with sample 5 unreadable; epoch 1 absent. */
    private static final SampleCounts COUNTS = SampleCounts.newBuilder()
            .setDatasetSize(6)
            .addEpochs(EpochSamples.newBuilder()
                    .setEpoch(0)
                    .setCounts(ByteString.copyFrom(new byte[] {1, 1, 2, 0, 1, 0}))
                    .addUnreadable(5))
            .build();

    @Test
    void listsPerEpochTheSamplesTrainedTwiceAndTheOnesNeverTrainedLeavingOutTheUnreadable() {
        SampleAccount account = SampleAccount.parse(COUNTS.toByteArray());
        assertEquals(List.of(0), account.epochs());
        assertEquals(List.of(2L), account.duplicated(0), "sample 2 was trained twice");
        assertEquals(List.of(3L), account.missing(0), "sample 3 never; sample 5 was unreadable, so not missing");
        assertEquals(List.of(5L), account.unreadable(0));
        assertEquals(
                List.of(0L, 1L, 2L, 3L, 4L, 5L),
                account.missing(1),
                "an epoch with nothing trained misses every sample");
        assertEquals(7, account.missingTotal(2), "one in epoch 0, six in epoch 1");
        assertEquals(1, account.duplicatedTotal(), "one extra training");
        assertEquals(2, account.timesTrained(0, 2));
    }

    @Test
    void refusesWhatIsNotAnAccountOfTheDataset() {
        assertThrows(IllegalArgumentException.class, () -> SampleAccount.parse(new byte[] {(byte) 0xff, 0x01}));
        SampleCounts short_ = COUNTS.toBuilder().setDatasetSize(7).build();
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> SampleAccount.of(short_), "counts of 6, dataset 7");
        assertTrue(e.getMessage().contains("6 samples"), e.getMessage());
    }
}
