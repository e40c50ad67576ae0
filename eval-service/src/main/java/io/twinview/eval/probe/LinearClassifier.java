package io.twinview.eval.probe;

/**
 * A fitted linear probe: standardisation with the train statistics, then logits {@code W x + b}.
 * Scores each row on its own (no batch statistics), so a test set cannot influence its scores.
 */
public final class LinearClassifier {

    private final Standardizer standardizer;
    private final double[] theta;
    private final int dim;
    private final int classes;

    LinearClassifier(Standardizer standardizer, double[] theta, int dim, int classes) {
        if (standardizer.dim() != dim || theta.length != classes * dim + classes) {
            throw new IllegalArgumentException("parameters do not fit " + classes + " classes of " + dim + " features");
        }
        this.standardizer = standardizer;
        this.theta = theta;
        this.dim = dim;
        this.classes = classes;
    }

    public Standardizer standardizer() {
        return standardizer;
    }

    public int classes() {
        return classes;
    }

    /** (C) logits of one feature row. */
    public double[] logits(float[] row) {
        return logitsOfStandardised(theta, standardizer.apply(row), dim, classes);
    }

    /** Top-1 and top-min(5, C) accuracy: the true class among the highest logits (ties by lower index). */
    public Accuracy score(Features test) {
        if (test.size() > 0 && test.dim() != dim) {
            throw new IllegalArgumentException("test features have dimension " + test.dim() + ", the probe " + dim);
        }
        if (test.classCount() > classes) {
            throw new IllegalArgumentException(
                    "test set has " + test.classCount() + " classes, the probe was fitted on " + classes);
        }
        int top1 = 0;
        int top5 = 0;
        int topK = Math.min(Ranking.TOP5, classes);
        for (int i = 0; i < test.size(); i++) {
            int position = Ranking.position(logits(test.values()[i]), test.labels()[i]);
            top1 += position == 0 ? 1 : 0;
            top5 += position < topK ? 1 : 0;
        }
        return new Accuracy(top1, top5, test.size());
    }

    static double[] logitsOfStandardised(double[] theta, double[] x, int dim, int classes) {
        double[] z = new double[classes];
        for (int c = 0; c < classes; c++) {
            double sum = 0;
            for (int j = 0; j < dim; j++) {
                sum += theta[c * dim + j] * x[j];
            }
            z[c] = theta[classes * dim + c] + sum;
        }
        return z;
    }
}
