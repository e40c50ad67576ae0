package io.twinview.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A closed-loop load: {@code callers} threads each send one call, wait for its answer and send the next,
 * until the time is up. Images/s is calls answered over the elapsed time (one image per call); latency
 * percentiles are over every answered call.
 */
final class EmbedLoad {

    /** One call of one image; returns the forward batch the image joined (0 when not known). */
    @FunctionalInterface
    interface Call {
        int embedOne() throws Exception;
    }

    /**
     * @param meanForwardBatch mean over the calls of the forward pass each call's image joined
     */
    record Row(int calls, double imagesPerSecond, double p50Ms, double p99Ms, double meanForwardBatch) {}

    private EmbedLoad() {}

    /** Runs every call in its own thread, closed loop, for {@code seconds}. */
    static Row run(List<Call> calls, double seconds) throws Exception {
        if (calls.isEmpty()) {
            throw new IllegalArgumentException("no callers; at least 1");
        }
        List<long[]> perCaller = new ArrayList<>(); // per caller: latency ns, forward batch, alternating
        ExecutorService pool = Executors.newFixedThreadPool(calls.size());
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        try {
            List<Future<long[]>> running = new ArrayList<>();
            for (Call call : calls) {
                running.add(pool.submit(() -> {
                    LongList out = new LongList();
                    while (System.nanoTime() < end) {
                        long t = System.nanoTime();
                        int batch = call.embedOne();
                        out.add(System.nanoTime() - t);
                        out.add(batch);
                    }
                    return out.toArray();
                }));
            }
            for (Future<long[]> f : running) {
                perCaller.add(f.get());
            }
        } finally {
            pool.shutdownNow();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        List<Long> latencies = new ArrayList<>();
        double batches = 0;
        for (long[] caller : perCaller) {
            for (int i = 0; i < caller.length; i += 2) {
                latencies.add(caller[i]);
                batches += caller[i + 1];
            }
        }
        Collections.sort(latencies);
        int n = latencies.size();
        return new Row(
                n,
                n / elapsed,
                percentile(latencies, 0.50),
                percentile(latencies, 0.99),
                n == 0 ? Double.NaN : batches / n);
    }

    /** The nearest-rank percentile, in ms. */
    static double percentile(List<Long> sortedNanos, double q) {
        if (sortedNanos.isEmpty()) {
            return Double.NaN;
        }
        int i = Math.min(sortedNanos.size() - 1, (int) Math.ceil(q * sortedNanos.size()) - 1);
        return sortedNanos.get(Math.max(0, i)) / 1e6;
    }

    /** A growable long array: a caller's samples without boxing on the measured path. */
    private static final class LongList {
        private long[] values = new long[1024];
        private int size;

        void add(long v) {
            if (size == values.length) {
                values = java.util.Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        long[] toArray() {
            return java.util.Arrays.copyOf(values, size);
        }
    }
}
