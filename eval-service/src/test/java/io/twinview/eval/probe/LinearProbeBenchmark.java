package io.twinview.eval.probe;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Prints how long {@link LinearProbe#fit} takes on Gaussian class clusters of SSL-like sizes:
 * {@code java ... io.twinview.eval.probe.LinearProbeBenchmark [n d classes ...]}.
 * Default: 4,000 x 256 x 10 and 50,000 x 512 x 10.
 */
public final class LinearProbeBenchmark {

    private static final double SEPARATION = Double.parseDouble(System.getProperty("separation", "0.1"));

    private LinearProbeBenchmark() {}

    public static void main(String[] args) {
        int[] sizes = args.length >= 3
                ? java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray()
                : new int[] {4_000, 256, 10, 50_000, 512, 10};
        for (int s = 0; s + 2 < sizes.length; s += 3) {
            run(sizes[s], sizes[s + 1], sizes[s + 2]);
        }
    }

    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static void run(int n, int d, int classes) {
        Features train = ProbeFixtures.gaussianClusters(n, d, classes, SEPARATION, 1);
        Features test = ProbeFixtures.gaussianClusters(n / 5, d, classes, SEPARATION, 2);
        long start = System.nanoTime();
        long cpuStart = processCpuNanos();
        LinearProbe.Fit fit = new LinearProbe().fit(train);
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpuSeconds = (processCpuNanos() - cpuStart) / 1e9;
        Accuracy accuracy = fit.classifier().score(test);
        System.out.printf("linear probe %d x %d x %d: fit %.2f s wall, %.2f s CPU (threads %d), l2 %.0e, final fit %d iterations (%s),"
                        + " test top-1 %.4f top-5 %.4f%n",
                n, d, classes, seconds, cpuSeconds, java.util.concurrent.ForkJoinPool.getCommonPoolParallelism() + 1,
                fit.l2(), fit.iterations(), fit.stop(), accuracy.top1(), accuracy.top5());
        for (LinearProbe.GridPoint point : fit.grid()) {
            System.out.printf("  l2 %.0e: held-out top-1 %.4f, %d iterations (%s)%n",
                    point.l2(), point.heldOutTop1(), point.iterations(), point.stop());
        }
    }
}
