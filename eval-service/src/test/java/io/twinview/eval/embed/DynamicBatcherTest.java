package io.twinview.eval.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.model.EncoderKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DynamicBatcherTest {

    private static final EncoderRef A = new EncoderRef("run-a", 10, EncoderKind.SMALL, 1, 2);
    private static final EncoderRef B = new EncoderRef("run-b", 10, EncoderKind.SMALL, 1, 2);

    /** A forward pass that records its size and maps each image to (its first byte, pass size). */
    private static final class Recording implements DynamicBatcher.Forward {
        final List<Integer> passes = Collections.synchronizedList(new ArrayList<>());

        @Override
        public float[][] run(EncoderRef encoder, byte[] pixels, int count) {
            passes.add(count);
            int size = pixels.length / count;
            float[][] rows = new float[count][];
            for (int i = 0; i < count; i++) {
                rows[i] = new float[] {pixels[i * size], encoder == B ? -1 : 1};
            }
            return rows;
        }
    }

    private static List<byte[]> images(int first, int n) {
        List<byte[]> images = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            images.add(new byte[] {(byte) (first + i), 0, 0});
        }
        return images;
    }

    @Test
    void concurrentCallersShareOneForwardPass() throws Exception {
        Recording forward = new Recording();
        try (DynamicBatcher batcher = new DynamicBatcher(forward, true, 64, Duration.ofMillis(300))) {
            List<CompletableFuture<DynamicBatcher.Result>> calls = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                calls.add(batcher.submit(A, images(c * 4, 4)));
            }
            for (int c = 0; c < 8; c++) {
                DynamicBatcher.Result result = calls.get(c).get(10, TimeUnit.SECONDS);
                assertEquals(32, result.forwardBatch(), "8 callers of 4 images within the delay share one pass");
                for (int i = 0; i < 4; i++) {
                    assertEquals(c * 4 + i, result.rows()[i][0], "each caller gets its own images' rows, in order");
                }
            }
            assertEquals(List.of(32), forward.passes, "one forward pass of 32 images");
        }
    }

    @Test
    void aFullBatchGoesWithoutWaitingAndLargeCallsAreSplit() throws Exception {
        Recording forward = new Recording();
        try (DynamicBatcher batcher = new DynamicBatcher(forward, true, 8, Duration.ofSeconds(30))) {
            long start = System.nanoTime();
            DynamicBatcher.Result big = batcher.submit(A, images(0, 20)).get(10, TimeUnit.SECONDS);
            assertTrue(
                    System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10),
                    "a call of max-batch images or more does not wait for the 30 s delay");
            assertEquals(List.of(8, 8, 4), forward.passes, "20 images in passes of at most max-batch 8");
            assertEquals(20, big.rows().length, "every image embedded");
            assertEquals(19, big.rows()[19][0], "in order");
        }
    }

    @Test
    void callsForDifferentEncodersAreNeverMixed() throws Exception {
        Recording forward = new Recording();
        try (DynamicBatcher batcher = new DynamicBatcher(forward, true, 64, Duration.ofMillis(200))) {
            CompletableFuture<DynamicBatcher.Result> a = batcher.submit(A, images(0, 3));
            CompletableFuture<DynamicBatcher.Result> b = batcher.submit(B, images(0, 5));
            assertEquals(1, a.get(10, TimeUnit.SECONDS).rows()[0][1], "run a's rows from run a's encoder");
            assertEquals(-1, b.get(10, TimeUnit.SECONDS).rows()[0][1], "run b's rows from run b's encoder");
            List<Integer> passes = new ArrayList<>(forward.passes);
            Collections.sort(passes);
            assertEquals(List.of(3, 5), passes, "one pass per encoder");
        }
    }

    @Test
    void batchingOffGivesEveryCallItsOwnPass() throws Exception {
        Recording forward = new Recording();
        try (DynamicBatcher batcher = new DynamicBatcher(forward, false, 64, Duration.ofMillis(300))) {
            List<CompletableFuture<DynamicBatcher.Result>> calls = new ArrayList<>();
            for (int c = 0; c < 6; c++) {
                calls.add(batcher.submit(A, images(c, 2)));
            }
            for (CompletableFuture<DynamicBatcher.Result> call : calls) {
                assertEquals(2, call.get(10, TimeUnit.SECONDS).forwardBatch(), "batching off: a pass per call");
            }
            assertArrayEquals(new Object[] {2, 2, 2, 2, 2, 2}, forward.passes.toArray(), "six passes of 2");
        }
    }

    @Test
    void aFailedPassFailsItsCallsAndTheNextPassRuns() throws Exception {
        DynamicBatcher.Forward failing = (encoder, pixels, count) -> {
            if (encoder == B) {
                throw new IllegalStateException("checkpoint gone");
            }
            return new float[count][1];
        };
        try (DynamicBatcher batcher = new DynamicBatcher(failing, true, 64, Duration.ZERO)) {
            CompletableFuture<DynamicBatcher.Result> b = batcher.submit(B, images(0, 1));
            Exception e =
                    org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> b.get(10, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("checkpoint gone"), "the pass's error reaches the caller");
            assertEquals(
                    2, batcher.submit(A, images(0, 2)).get(10, TimeUnit.SECONDS).rows().length, "still serving");
        }
    }
}
