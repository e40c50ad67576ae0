package io.twinview.eval.probe;

/** Where a class stands when classes are ordered by score, highest first, ties by lower class index. */
final class Ranking {

    /** Top-5 is top-min(5, C). */
    static final int TOP5 = 5;

    private Ranking() {}

    /** Number of classes ordered before {@code label}: 0 means it is the prediction. */
    static int position(double[] scores, int label) {
        double own = scores[label];
        int ahead = 0;
        for (int c = 0; c < scores.length; c++) {
            if (scores[c] > own || (scores[c] == own && c < label)) {
                ahead++;
            }
        }
        return ahead;
    }

    /** The highest-scored class, the lowest index among equals. */
    static int argMax(double[] scores) {
        int best = 0;
        for (int c = 1; c < scores.length; c++) {
            if (scores[c] > scores[best]) {
                best = c;
            }
        }
        return best;
    }
}
