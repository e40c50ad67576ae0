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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DynamicBatcherTest {

    private static final EncoderRef A = new EncoderRef("run-a", 10, EncoderKind.SMALL, 1, 2);
    private static final EncoderRef B = new EncoderRef("run-b", 10, EncoderKind.SMALL, 1, 2);

    /** A forward pass that records its size and maps each image to (its first byte, pass size). */
    private static class Recording implements DynamicBatcher.Forward {
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

    /** Holds the first pass until released, so that calls queue behind it as under load. */
    private static final class Gated extends Recording {
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch firstPassStarted = new CountDownLatch(1);

        @Override
        public float[][] run(EncoderRef encoder, byte[] pixels, int count) {
            if (firstPassStarted.getCount() > 0) {
                firstPassStarted.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return super.run(encoder, pixels, count);
        }
    }

    @Test
    void callersQueuedBehindAPassShareTheNextOne() throws Exception {
        Gated forward = new Gated();
        try (DynamicBatcher batcher = new DynamicBatcher(forward, true, 64, Duration.ofMillis(300))) {
            CompletableFuture<DynamicBatcher.Result> first = batcher.submit(A, images(100, 1));
            assertTrue(forward.firstPassStarted.await(10, TimeUnit.SECONDS), "the lone first call goes at once");
            List<CompletableFuture<DynamicBatcher.Result>> calls = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                calls.add(batcher.submit(A, images(c * 4, 4)));
            }
            forward.release.countDown();
            assertEquals(1, first.get(10, TimeUnit.SECONDS).forwardBatch(), "the first pass held the first call only");
            for (int c = 0; c < 8; c++) {
                DynamicBatcher.Result result = calls.get(c).get(10, TimeUnit.SECONDS);
                assertEquals(32, result.forwardBatch(), "8 callers of 4 images queued behind a pass share one pass");
                for (int i = 0; i < 4; i++) {
                    assertEquals(c * 4 + i, result.rows()[i][0], "each caller gets its own images' rows, in order");
                }
            }
            assertEquals(List.of(1, 32), forward.passes, "a pass of the lone call, then one pass of 32 images");
        }
    }

    @Test
    void aLoneCallerNeverWaitsForCompany() throws Exception {
        Recording forward = new Recording();
        try (DynamicBatcher batcher = new DynamicBatcher(forward, true, 64, Duration.ofSeconds(30))) {
            long start = System.nanoTime();
            for (int i = 0; i < 3; i++) {
                assertEquals(
                        1,
                        batcher.submit(A, images(i, 1))
                                .get(10, TimeUnit.SECONDS)
                                .forwardBatch(),
                        "alone");
            }
            assertTrue(
                    System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10),
                    "one caller at a time: each pass goes at once, not after the 30 s max-delay");
        }
    }

    @Test
    void aPassWaitsForAsManyCallsAsThePreviousPassServedButNoLongerThanTheDelay() throws Exception {
        Gated forward = new Gated();
        try (DynamicBatcher batcher = new DynamicBatcher(forward, true, 64, Duration.ofMillis(400))) {
            CompletableFuture<DynamicBatcher.Result> first = batcher.submit(A, images(100, 1));
            assertTrue(forward.firstPassStarted.await(10, TimeUnit.SECONDS), "the first pass runs");
            List<CompletableFuture<DynamicBatcher.Result>> three = new ArrayList<>();
            for (int c = 0; c < 3; c++) {
                three.add(batcher.submit(A, images(c, 1)));
            }
            forward.release.countDown();
            first.get(10, TimeUnit.SECONDS);
            for (CompletableFuture<DynamicBatcher.Result> call : three) {
                assertEquals(3, call.get(10, TimeUnit.SECONDS).forwardBatch(), "three calls queued: a pass of 3");
            }

            // three callers seen: two calls now wait for a third (it comes 100 ms later) instead of going alone
            CompletableFuture<DynamicBatcher.Result> a = batcher.submit(A, images(10, 1));
            CompletableFuture<DynamicBatcher.Result> b = batcher.submit(A, images(11, 1));
            Thread.sleep(100);
            CompletableFuture<DynamicBatcher.Result> c = batcher.submit(A, images(12, 1));
            for (CompletableFuture<DynamicBatcher.Result> call : List.of(a, b, c)) {
                assertEquals(3, call.get(10, TimeUnit.SECONDS).forwardBatch(), "the pass waited for the third call");
            }

            // only two come: they go together at the 400 ms delay, and the next two no longer wait for a third
            long start = System.nanoTime();
            CompletableFuture<DynamicBatcher.Result> d = batcher.submit(A, images(20, 1));
            CompletableFuture<DynamicBatcher.Result> e = batcher.submit(A, images(21, 1));
            assertEquals(2, d.get(10, TimeUnit.SECONDS).forwardBatch(), "two calls in the pass");
            assertEquals(2, e.get(10, TimeUnit.SECONDS).forwardBatch(), "two calls in the pass");
            assertTrue(
                    System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(300),
                    "a shortfall waits out max-delay (400 ms)");
            CompletableFuture<DynamicBatcher.Result> f = batcher.submit(A, images(30, 1));
            CompletableFuture<DynamicBatcher.Result> g = batcher.submit(A, images(31, 1));
            f.get(10, TimeUnit.SECONDS);
            g.get(10, TimeUnit.SECONDS);
            assertEquals(
                    List.of(1, 3, 3, 2, 2),
                    forward.passes.subList(0, 5),
                    "passes: the first call, 3 queued, 3 awaited, 2 at the delay, then 2 expected and served together");
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
