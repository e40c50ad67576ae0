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

    /**
     * {@code n} rows of 2d features built from real ones: each row joins two random rows of one
     * class of {@code source}, each scaled by a random factor in [1, 1.1). Keeps the statistics of
     * pooled conv features (non-negative, correlated, badly conditioned) at sizes the source lacks.
     */
    static Features tiled(Features source, int n, long seed) {
        int classes = source.classCount();
        java.util.List<java.util.List<Integer>> byClass = new java.util.ArrayList<>();
        for (int c = 0; c < classes; c++) {
            byClass.add(new java.util.ArrayList<>());
        }
        for (int i = 0; i < source.size(); i++) {
            byClass.get(source.labels()[i]).add(i);
        }
        SplittableRandom random = new SplittableRandom(seed);
        int d = source.dim();
        float[][] values = new float[n][];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int c = i % classes;
            java.util.List<Integer> rows = byClass.get(c);
            float[] a = source.values()[rows.get(random.nextInt(rows.size()))];
            float[] b = source.values()[rows.get(random.nextInt(rows.size()))];
            float[] row = new float[2 * d];
            for (int j = 0; j < d; j++) {
                row[j] = a[j] * (float) (1 + 0.1 * random.nextDouble());
                row[d + j] = b[j] * (float) (1 + 0.1 * random.nextDouble());
            }
            values[i] = row;
            labels[i] = c;
        }
        return new Features(values, labels, classes);
    }

    static double gaussian(SplittableRandom random) {
        double u = 1 - random.nextDouble();
        double v = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
