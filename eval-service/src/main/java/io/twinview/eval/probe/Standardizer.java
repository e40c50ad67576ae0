package io.twinview.eval.probe;

/**
 * Per-feature standardisation {@code (x - mean) / std} with statistics of the rows it was fitted
 * on (population std; a constant feature gets std 1, so it becomes 0). Applying it never looks at
 * the rows it is applied to.
 */
public final class Standardizer {

    private final double[] mean;
    private final double[] std;

    private Standardizer(double[] mean, double[] std) {
        this.mean = mean;
        this.std = std;
    }

    /** Statistics of {@code features} rows {@code rows} (all rows when null). */
    static Standardizer fit(Features features, int[] rows) {
        int d = features.dim();
        int n = rows == null ? features.size() : rows.length;
        if (n == 0) {
            throw new IllegalArgumentException("cannot standardise with statistics of zero rows");
        }
        double[] mean = new double[d];
        for (int r = 0; r < n; r++) {
            float[] row = features.values()[rows == null ? r : rows[r]];
            for (int j = 0; j < d; j++) {
                mean[j] += row[j];
            }
        }
        for (int j = 0; j < d; j++) {
            mean[j] /= n;
        }
        double[] std = new double[d];
        for (int r = 0; r < n; r++) {
            float[] row = features.values()[rows == null ? r : rows[r]];
            for (int j = 0; j < d; j++) {
                double centred = row[j] - mean[j];
                std[j] += centred * centred;
            }
        }
        for (int j = 0; j < d; j++) {
            double s = Math.sqrt(std[j] / n);
            std[j] = s > 1e-12 ? s : 1;
        }
        return new Standardizer(mean, std);
    }

    public static Standardizer fit(Features features) {
        return fit(features, null);
    }

    public int dim() {
        return mean.length;
    }

    public double mean(int feature) {
        return mean[feature];
    }

    public double std(int feature) {
        return std[feature];
    }

    /** The standardised {@code row}, d values. */
    double[] apply(float[] row) {
        double[] out = new double[mean.length];
        for (int j = 0; j < mean.length; j++) {
            out[j] = (row[j] - mean[j]) / std[j];
        }
        return out;
    }

    /** The standardised rows {@code rows} (all when null), one array per row. */
    double[][] apply(Features features, int[] rows) {
        int n = rows == null ? features.size() : rows.length;
        double[][] out = new double[n][];
        for (int r = 0; r < n; r++) {
            out[r] = apply(features.values()[rows == null ? r : rows[r]]);
        }
        return out;
    }
}
