package io.twinview.eval.probe;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.twinview.core.data.Datasets;
import io.twinview.model.EncoderKind;
import io.twinview.model.Encoders;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;

/**
 * Prints how long {@link LinearProbe#fit} takes at SSL-like sizes:
 * {@code java -cp ... io.twinview.eval.probe.LinearProbeBenchmark [n d classes ...]}
 * (default 4,000 x 256 x 10 and 50,000 x 512 x 10).
 * <ul>
 *   <li>{@code -Dfeatures=gaussian} (default): isotropic class clusters, {@code -Dseparation=0.1}.
 *       Easy for the optimiser: a lower bound on the time.</li>
 *   <li>{@code -Dfeatures=cifar-tiled}: random-init small-encoder features of the shared CIFAR-10
 *       subset ({@code -Dtwinview.shared.dir}, default ../shared), tiled by
 *       {@link ProbeFixtures#tiled} to n rows of 512 features (d is ignored; classes are CIFAR's
 *       10). Conditioned like real features: the realistic figure.</li>
 * </ul>
 */
public final class LinearProbeBenchmark {

    private static final double SEPARATION = Double.parseDouble(System.getProperty("separation", "0.1"));
    private static final String FEATURES = System.getProperty("features", "gaussian");

    private LinearProbeBenchmark() {}

    public static void main(String[] args) {
        int[] sizes = args.length >= 3
                ? Arrays.stream(args).mapToInt(Integer::parseInt).toArray()
                : new int[] {4_000, 256, 10, 50_000, 512, 10};
        Features[] cifar = FEATURES.equals("cifar-tiled") ? cifarFeatures() : null;
        for (int s = 0; s + 2 < sizes.length; s += 3) {
            int n = sizes[s];
            Features train = cifar != null
                    ? ProbeFixtures.tiled(cifar[0], n, 1)
                    : ProbeFixtures.gaussianClusters(n, sizes[s + 1], sizes[s + 2], SEPARATION, 1);
            Features test = cifar != null
                    ? ProbeFixtures.tiled(cifar[1], n / 5, 2)
                    : ProbeFixtures.gaussianClusters(n / 5, sizes[s + 1], sizes[s + 2], SEPARATION, 2);
            run(train, test);
        }
    }

    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    static void run(Features train, Features test) {
        long start = System.nanoTime();
        long cpuStart = processCpuNanos();
        LinearProbe.Fit fit = new LinearProbe().fit(train);
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpuSeconds = (processCpuNanos() - cpuStart) / 1e9;
        Accuracy accuracy = fit.classifier().score(test);
        System.out.printf(
                "linear probe, %s features, %d x %d x %d: fit %.2f s wall, %.2f s CPU (%d threads);"
                        + " l2 %.0e, final fit %d iterations (%s); test top-1 %.4f top-5 %.4f%n",
                FEATURES,
                train.size(),
                train.dim(),
                train.classCount(),
                seconds,
                cpuSeconds,
                ForkJoinPool.getCommonPoolParallelism() + 1,
                fit.l2(),
                fit.iterations(),
                fit.stop(),
                accuracy.top1(),
                accuracy.top5());
        for (LinearProbe.GridPoint point : fit.grid()) {
            System.out.printf(
                    "  l2 %.0e: held-out top-1 %.4f, %d iterations, %d evaluations (%s)%n",
                    point.l2(), point.heldOutTop1(), point.iterations(), point.evaluations(), point.stop());
        }
    }

    private static Features[] cifarFeatures() {
        Path dir = Path.of(System.getProperty("twinview.shared.dir", "../shared"), "datasets", "cifar10-subset")
                .toAbsolutePath()
                .normalize();
        try (NDManager manager = NDManager.newBaseManager()) {
            Block encoder = Encoders.create(EncoderKind.SMALL, 1, 32, manager);
            FeatureExtractor extractor = new FeatureExtractor();
            return new Features[] {
                extractor.extract(encoder, Datasets.open("cifar10:" + dir + "?batches=1-4"), 32, manager),
                extractor.extract(encoder, Datasets.open("cifar10:" + dir + "?batches=5"), 32, manager)
            };
        }
    }
}
