package io.twinview.eval.probe;

import java.util.Objects;

/**
 * Frozen features of a labelled image set: one row per image.
 *
 * @param values     (n, d) features, every row of the same length d
 * @param labels     (n) classes in {@code 0 .. classCount-1}
 * @param classCount number of classes of the dataset (not only those present)
 */
public record Features(float[][] values, int[] labels, int classCount) {

    public Features {
        Objects.requireNonNull(values, "values");
        Objects.requireNonNull(labels, "labels");
        if (values.length != labels.length) {
            throw new IllegalArgumentException(values.length + " feature rows but " + labels.length + " labels");
        }
        if (classCount < 1) {
            throw new IllegalArgumentException("classCount must be at least 1, was " + classCount);
        }
        int d = values.length == 0 ? 0 : values[0].length;
        for (int i = 0; i < values.length; i++) {
            if (values[i].length != d) {
                throw new IllegalArgumentException(
                        "row " + i + " has " + values[i].length + " features, row 0 has " + d);
            }
            for (int j = 0; j < d; j++) {
                if (!Float.isFinite(values[i][j])) {
                    // NaN compares false with everything: a probe would count every image as right
                    throw new IllegalArgumentException("feature " + j + " of row " + i + " is " + values[i][j]
                            + ": the encoder's weights or batch-norm statistics are not finite");
                }
            }
            if (labels[i] < 0 || labels[i] >= classCount) {
                throw new IllegalArgumentException(
                        "label " + labels[i] + " of row " + i + " is not in 0.." + (classCount - 1));
            }
        }
    }

    public int size() {
        return values.length;
    }

    /** Feature dimension d; 0 for an empty set. */
    public int dim() {
        return values.length == 0 ? 0 : values[0].length;
    }
}
