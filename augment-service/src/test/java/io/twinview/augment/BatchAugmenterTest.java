package io.twinview.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.augment.kafka.PolicyMapper;
import io.twinview.core.data.Datasets;
import io.twinview.core.data.ImageDataset;
import io.twinview.proto.v1.AugmentRecipe;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class BatchAugmenterTest {

    private static final ImageDataset SHAPES = Datasets.open("synthetic:?n=200&seed=4");
    private static final TwoViewAugmenter AUGMENTER =
            new TwoViewAugmenter(PolicyMapper.toDomain(AugmentRecipe.getDefaultInstance()), 24);
    private static final long[] INDICES = {5, 199, 0, 42, 42, 17, 101, 3, 77, 150, 64};

    @Test
    void slotsHoldEachSamplesViewsWhateverTheThreadCount() throws Exception {
        int bytes = AUGMENTER.viewBytes();
        byte[][] inline = new BatchAugmenter(null, 1).augment(AUGMENTER, SHAPES, INDICES, 2, 10, 9, 4);
        for (int i = 0; i < 8; i++) {
            byte[] v1 = new byte[bytes];
            byte[] v2 = new byte[bytes];
            AUGMENTER.augment(SHAPES, (int) INDICES[2 + i], 9, 4, v1, 0, v2, 0);
            assertArrayEquals(
                    v1,
                    Arrays.copyOfRange(inline[0], i * bytes, (i + 1) * bytes),
                    "slot " + i + " holds view 1 of its sample");
            assertArrayEquals(
                    v2,
                    Arrays.copyOfRange(inline[1], i * bytes, (i + 1) * bytes),
                    "slot " + i + " holds view 2 of its sample");
        }
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            for (int parallelism : new int[] {2, 3, 8}) {
                byte[][] parallel =
                        new BatchAugmenter(pool, parallelism).augment(AUGMENTER, SHAPES, INDICES, 2, 10, 9, 4);
                assertArrayEquals(inline[0], parallel[0], "view 1 bytes do not depend on parallelism " + parallelism);
                assertArrayEquals(inline[1], parallel[1], "view 2 bytes do not depend on parallelism " + parallelism);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anIndexOutsideTheDatasetFailsTheCallAfterEverySliceEnded() {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            long[] bad = {1, 2, 3, 200};
            IndexOutOfBoundsException e = assertThrows(
                    IndexOutOfBoundsException.class,
                    () -> new BatchAugmenter(pool, 2).augment(AUGMENTER, SHAPES, bad, 0, 4, 1, 0));
            assertTrue(e.getMessage().contains("200"), "the message names the index: " + e.getMessage());
        } finally {
            pool.shutdownNow();
        }
    }
}
