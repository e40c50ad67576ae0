package io.twinview.bench;

import io.twinview.eval.embed.DynamicBatcher;
import io.twinview.eval.embed.EncoderCache;
import io.twinview.eval.embed.EncoderRef;
import io.twinview.eval.probe.FeatureExtractor;
import io.twinview.model.EncoderKind;
import io.twinview.model.Encoders;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Serving figures of the EmbedService's core: images/s and per-call p50/p99 latency for 1, 8 and 32
 * concurrent callers (one image per call), dynamic batching on and off, for the small encoder at 32
 * px and ResNet-18 at 96 px. It measures the {@link DynamicBatcher}, the {@link EncoderCache} and
 * {@link FeatureExtractor#features} (the probes' transform and forward) in process, on randomly
 * initialised encoders: serving speed does not depend on training, and gRPC and image decoding
 * (the same for every row) are left out.
 */
@Command(
        name = "embed",
        mixinStandardHelpOptions = true,
        description = "EmbedService serving: images/s and p50/p99 latency for 1, 8, 32 callers, batching on/off,"
                + " small @ 32 px and resnet18 @ 96 px (initialised encoders, in process).")
final class EmbedBench implements Callable<Integer> {

    @Option(
            names = "--seconds",
            defaultValue = "5",
            description = "measured seconds per row (default: ${DEFAULT-VALUE})")
    double seconds;

    @Option(names = "--max-batch", defaultValue = "64", description = "twinview.eval.embed.max-batch")
    int maxBatch;

    @Option(names = "--max-delay-ms", defaultValue = "5", description = "twinview.eval.embed.max-delay in ms")
    long maxDelayMs;

    @Option(
            names = "--callers",
            split = ",",
            defaultValue = "1,8,32",
            description = "concurrent callers (default: ${DEFAULT-VALUE})")
    List<Integer> callers;

    @Override
    public Integer call() throws Exception {
        System.out.println("EmbedService serving bench: randomly initialised encoders (nothing trained; serving speed"
                + " does not depend on the weights), one image per call, in process (no gRPC, no decoding);"
                + " max-batch " + maxBatch + ", max-delay " + maxDelayMs + " ms");
        System.out.printf(
                Locale.ROOT,
                "%-9s %5s %-8s %7s %10s %9s %9s%n",
                "encoder",
                "px",
                "batching",
                "callers",
                "images/s",
                "p50 ms",
                "p99 ms");
        record Setup(EncoderKind kind, int size) {}
        for (Setup setup : List.of(new Setup(EncoderKind.SMALL, 32), new Setup(EncoderKind.RESNET18_IMAGENET, 96))) {
            EncoderRef ref = new EncoderRef("bench", 1, setup.kind(), 0, setup.size());
            try (EncoderCache cache = new EncoderCache(1)) {
                DynamicBatcher.Forward forward = (encoder, pixels, count) -> {
                    EncoderCache.Loaded loaded = cache.get(
                            encoder, m -> Encoders.create(encoder.encoder(), encoder.seed(), encoder.imageSize(), m));
                    return FeatureExtractor.features(
                            loaded.block(), pixels, count, encoder.imageSize(), encoder.imageSize(), loaded.manager());
                };
                for (boolean batching : List.of(true, false)) {
                    try (DynamicBatcher batcher =
                            new DynamicBatcher(forward, batching, maxBatch, Duration.ofMillis(maxDelayMs))) {
                        // warm-up with the most callers: the encoder loaded, JIT, and PyTorch's kernels for the
                        // varied batch sizes a batching row meets (the first pass of a new size is slow)
                        measure(batcher, ref, Collections.max(callers), Math.min(2.0, seconds));
                        for (int n : callers) {
                            Row row = measure(batcher, ref, n, seconds);
                            System.out.printf(
                                    Locale.ROOT,
                                    "%-9s %5d %-8s %7d %10.1f %9.2f %9.2f%n",
                                    setup.kind().key(),
                                    setup.size(),
                                    batching ? "on" : "off",
                                    n,
                                    row.imagesPerSecond(),
                                    row.p50Ms(),
                                    row.p99Ms());
                        }
                    }
                }
            }
        }
        return 0;
    }

    record Row(double imagesPerSecond, double p50Ms, double p99Ms) {}

    private static Row measure(DynamicBatcher batcher, EncoderRef ref, int callers, double seconds) throws Exception {
        byte[] image = new byte[ref.imageSize() * ref.imageSize() * 3];
        new Random(1).nextBytes(image);
        long end = System.nanoTime() + (long) (seconds * 1e9);
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        long start = System.nanoTime();
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < callers; c++) {
                running.add(pool.submit(() -> {
                    while (System.nanoTime() < end) {
                        long t = System.nanoTime();
                        batcher.submit(ref, List.of(image)).get(5, TimeUnit.MINUTES);
                        latencies.add(System.nanoTime() - t);
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        return new Row(sorted.size() / elapsed, percentile(sorted, 0.50), percentile(sorted, 0.99));
    }

    private static double percentile(List<Long> sorted, double q) {
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        int i = Math.min(sorted.size() - 1, (int) Math.ceil(q * sorted.size()) - 1);
        return sorted.get(Math.max(0, i)) / 1e6;
    }
}
