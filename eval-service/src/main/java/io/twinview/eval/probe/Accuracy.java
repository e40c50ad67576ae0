package io.twinview.eval.probe;

/**
 * Top-1 and top-5 hits of a classifier on a test set.
 *
 * <p>Top-5 means top-min(5, C) for C classes: with fewer than five classes every class is "in the
 * top 5", and the figure is 1.0 for the linear probe. The k-NN probe never counts a class that
 * received no vote, so its top-5 can stay below 1.0 even then (see {@link KnnProbe}).
 */
public record Accuracy(int top1Correct, int top5Correct, int total) {

    public Accuracy {
        if (total < 0 || top1Correct < 0 || top5Correct < top1Correct || top5Correct > total) {
            throw new IllegalArgumentException(
                    "not an accuracy: top1 " + top1Correct + ", top5 " + top5Correct + " of " + total);
        }
    }

    /** Fraction in [0, 1]; 0 for an empty test set. */
    public double top1() {
        return total == 0 ? 0 : (double) top1Correct / total;
    }

    /** Fraction in [0, 1]; 0 for an empty test set. */
    public double top5() {
        return total == 0 ? 0 : (double) top5Correct / total;
    }
}
