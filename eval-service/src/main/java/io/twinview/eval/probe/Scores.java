package io.twinview.eval.probe;

/** Probe accuracies of one encoder, fractions in [0, 1]. */
public record Scores(double knnTop1, double knnTop5, double linearTop1, double linearTop5) {

    public static Scores of(Accuracy knn, Accuracy linear) {
        return new Scores(knn.top1(), knn.top5(), linear.top1(), linear.top5());
    }
}
