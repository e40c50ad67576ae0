package io.twinview.eval.probe;

import java.util.SplittableRandom;

/** Synthetic feature sets for probe tests and benchmarks. */
final class ProbeFixtures {

    private ProbeFixtures() {}

    /**
     * Row i has class i % classes and features {@code centre[class] * separation + N(0, 1)}, the
     * centres drawn N(0, 1) from a seed shared by every call (so a train and a test set drawn
     * with different {@code seed}s share their classes).
     */
    static Features gaussianClusters(int n, int d, int classes, double separation, long seed) {
        SplittableRandom centresRandom = new SplittableRandom(42);
        double[][] centres = new double[classes][d];
        for (double[] centre : centres) {
            for (int j = 0; j < d; j++) {
                centre[j] = gaussian(centresRandom);
            }
        }
        SplittableRandom random = new SplittableRandom(seed);
        float[][] values = new float[n][d];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % classes;
            for (int j = 0; j < d; j++) {
                values[i][j] = (float) (centres[labels[i]][j] * separation + gaussian(random));
            }
        }
        return new Features(values, labels, classes);
    }

    static double gaussian(SplittableRandom random) {
        double u = 1 - random.nextDouble();
        double v = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
