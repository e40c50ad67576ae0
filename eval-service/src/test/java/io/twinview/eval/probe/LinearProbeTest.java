package io.twinview.eval.probe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class LinearProbeTest {

    @Test
    void separatesLinearlySeparableClasses() {
        Features train = separable(2000, 20, 5, 1);
        Features test = separable(1000, 20, 5, 2);
        LinearProbe.Fit fit = new LinearProbe().fit(train);
        Accuracy accuracy = fit.classifier().score(test);
        assertTrue(accuracy.top1() >= 0.95, "a linearly separable problem is (nearly) solved, got " + accuracy.top1());
        assertTrue(accuracy.top5() >= accuracy.top1(), "top-5 is at least top-1");
    }

    @Test
    void standardisesWithTrainStatisticsOnly() {
        Features train = ProbeFixtures.gaussianClusters(400, 8, 4, 1.0, 1);
        LinearClassifier classifier = new LinearProbe().fit(train).classifier();
        for (int j = 0; j < 8; j++) {
            int feature = j;
            double mean = Arrays.stream(train.values())
                    .mapToDouble(row -> row[feature])
                    .average()
                    .orElseThrow();
            double variance = Arrays.stream(train.values())
                    .mapToDouble(row -> (row[feature] - mean) * (row[feature] - mean))
                    .average()
                    .orElseThrow();
            assertEquals(mean, classifier.standardizer().mean(j), 1e-9, "mean of feature " + j + " is the train mean");
            assertEquals(
                    Math.sqrt(variance),
                    classifier.standardizer().std(j),
                    1e-9,
                    "std of feature " + j + " is the train population std");
        }
        // a row scores the same alone and amid a test set shifted far away: no test statistics enter
        float[] row = train.values()[3].clone();
        Features alone = new Features(new float[][] {row}, new int[] {train.labels()[3]}, 4);
        Features shifted = ProbeFixtures.gaussianClusters(50, 8, 4, 1.0, 9);
        for (float[] other : shifted.values()) {
            for (int j = 0; j < other.length; j++) {
                other[j] = other[j] * 100 + 1000;
            }
        }
        float[][] amid = Arrays.copyOf(shifted.values(), 51);
        amid[50] = row;
        assertArrayEquals(
                classifier.logits(row),
                classifier.logits(amid[50]),
                0,
                "logits of a row do not depend on the rows around it");
        int[] amidLabels = Arrays.copyOf(shifted.labels(), 51);
        amidLabels[50] = train.labels()[3];
        Features amidSet = new Features(amid, amidLabels, 4);
        Accuracy aloneAccuracy = classifier.score(alone);
        Accuracy lastOfAmid =
                classifier.score(new Features(new float[][] {amidSet.values()[50]}, new int[] {amidLabels[50]}, 4));
        assertEquals(aloneAccuracy, lastOfAmid, "scoring uses the stored train statistics only");
    }

    @Test
    void choosesL2OnAHeldOutPartOfTrainAndNeverSeesTest() {
        Features train = ProbeFixtures.gaussianClusters(600, 16, 3, 0.3, 1);
        LinearProbe probe = new LinearProbe();
        LinearProbe.Fit fit = probe.fit(train);

        int[] heldOut = fit.heldOut();
        assertTrue(
                heldOut.length > 0 && IntStream.of(heldOut).allMatch(i -> i >= 0 && i < train.size()),
                "the held-out rows are train rows");
        for (int c = 0; c < 3; c++) {
            int cls = c;
            long inClass =
                    IntStream.of(train.labels()).filter(label -> label == cls).count();
            long held =
                    IntStream.of(heldOut).filter(i -> train.labels()[i] == cls).count();
            assertEquals(
                    (long) Math.floor(LinearProbe.DEFAULT_HOLDOUT_FRACTION * inClass),
                    held,
                    "class " + c + " gives 15% of its train rows to the held-out part");
        }
        List<Double> tried = fit.grid().stream().map(LinearProbe.GridPoint::l2).toList();
        assertEquals(
                LinearProbe.DEFAULT_L2_GRID.subList(0, tried.size()),
                tried,
                "the grid is walked from strong to weak L2");
        double best = fit.grid().stream()
                .mapToDouble(LinearProbe.GridPoint::heldOutTop1)
                .max()
                .orElseThrow();
        int bestIndex = IntStream.range(0, tried.size())
                .filter(i -> fit.grid().get(i).heldOutTop1() == best)
                .findFirst()
                .orElseThrow();
        assertEquals(
                tried.get(bestIndex), fit.l2(), "the chosen L2 has the best held-out top-1, the strongest among ties");
        assertTrue(
                tried.size() == LinearProbe.DEFAULT_L2_GRID.size()
                        || tried.size() - 1 - bestIndex == LinearProbe.PATIENCE,
                "the walk stops only after " + LinearProbe.PATIENCE + " points without improvement: " + fit.grid());

        // fit takes no test set; two test sets cannot change the choice or the weights
        LinearProbe.Fit again = probe.fit(train);
        assertEquals(fit.l2(), again.l2(), "the choice is deterministic");
        float[] probeRow = train.values()[0];
        assertArrayEquals(
                fit.classifier().logits(probeRow),
                again.classifier().logits(probeRow),
                0,
                "the fit is bitwise deterministic");
        Features testA = ProbeFixtures.gaussianClusters(100, 16, 3, 0.3, 7);
        Features testB = ProbeFixtures.gaussianClusters(100, 16, 3, 0.3, 8);
        fit.classifier().score(testA);
        fit.classifier().score(testB);
        assertArrayEquals(
                again.classifier().logits(probeRow),
                fit.classifier().logits(probeRow),
                0,
                "scoring test sets does not change the classifier");
    }

    @Test
    void heldOutSplitIsStratifiedAndDisjoint() {
        int[] labels = IntStream.range(0, 103).map(i -> i % 4 == 3 ? 3 : i % 3).toArray();
        int[][] split = LinearProbe.stratifiedSplit(labels, 4, 0.2, 5);
        assertEquals(labels.length, split[0].length + split[1].length, "every row is in exactly one part");
        assertTrue(
                IntStream.of(split[1]).noneMatch(i -> Arrays.binarySearch(split[0], i) >= 0), "the parts are disjoint");
        assertArrayEquals(
                split[1], LinearProbe.stratifiedSplit(labels, 4, 0.2, 5)[1], "the split is a function of its seed");
    }

    @Test
    void top5IsTopMinFiveOfTheClassCount() {
        // logits = the row itself (identity weights, zero bias, standardisation off by construction)
        int classes = 10;
        double[] theta = new double[classes * classes + classes];
        for (int c = 0; c < classes; c++) {
            theta[c * classes + c] = 1;
        }
        float[][] unit = new float[2][classes];
        for (int j = 0; j < classes; j++) {
            unit[0][j] = j % 2 == 0 ? 1 : -1;
            unit[1][j] = -unit[0][j];
        }
        Standardizer identity = Standardizer.fit(new Features(unit, new int[] {0, 0}, classes));
        LinearClassifier classifier = new LinearClassifier(identity, theta, classes, classes);
        float[] row = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}; // class c ranks (c+1)-th
        assertEquals(
                1,
                classifier
                        .score(new Features(new float[][] {row}, new int[] {4}, classes))
                        .top5Correct(),
                "5th highest logit is a top-5 hit");
        assertEquals(
                0,
                classifier
                        .score(new Features(new float[][] {row}, new int[] {5}, classes))
                        .top5Correct(),
                "6th highest logit is a top-5 miss");

        Features three = ProbeFixtures.gaussianClusters(300, 4, 3, 0.1, 1);
        Accuracy accuracy =
                new LinearProbe().fit(three).classifier().score(ProbeFixtures.gaussianClusters(90, 4, 3, 0.1, 2));
        assertEquals(1.0, accuracy.top5(), "with 3 classes top-5 is top-3: always a hit for the linear probe");
    }

    @Test
    void objectiveGradientMatchesFiniteDifferences() {
        SplittableRandom random = new SplittableRandom(3);
        int n = 37; // 9 groups of 4 rows and a remainder of 1
        int d = 5;
        for (int classes : new int[] {3, 4}) { // odd and even: the forward pass pairs classes
            double[][] x = new double[n][];
            for (int i = 0; i < n; i++) {
                x[i] = random.doubles(d, -1, 1).toArray();
            }
            int[] y = random.ints(n, 0, classes).toArray();
            SoftmaxRegression objective = new SoftmaxRegression(x, y, d, classes, 0.03);
            double[] theta = random.doubles(objective.dimension(), -0.5, 0.5).toArray();
            double[] gradient = new double[theta.length];
            objective.evaluate(theta, gradient);
            double h = 1e-6;
            for (int i = 0; i < theta.length; i++) {
                double[] plus = theta.clone();
                double[] minus = theta.clone();
                plus[i] += h;
                minus[i] -= h;
                double numeric = (objective.evaluate(plus, new double[theta.length])
                                - objective.evaluate(minus, new double[theta.length]))
                        / (2 * h);
                assertEquals(
                        numeric,
                        gradient[i],
                        1e-7,
                        "analytic gradient component " + i + " matches central differences (" + classes + " classes)");
            }
        }
    }

    @Test
    void objectiveIsTheMeanCrossEntropyPlusHalfL2() {
        // one row, two classes, d = 1: hand-computed
        double[][] x = {{2.0}};
        int[] y = {1};
        SoftmaxRegression objective = new SoftmaxRegression(x, y, 1, 2, 0.5);
        double[] theta = {0.3, -0.1, 0.05, 0.2}; // W = (0.3, -0.1), b = (0.05, 0.2)
        double z0 = 0.3 * 2 + 0.05;
        double z1 = -0.1 * 2 + 0.2;
        double expected = Math.log(Math.exp(z0) + Math.exp(z1)) - z1 + 0.25 * (0.3 * 0.3 + 0.1 * 0.1);
        assertEquals(
                expected,
                objective.evaluate(theta, new double[4]),
                1e-12,
                "f = logsumexp(z) - z_y + (l2/2)||W||^2, bias unregularised");
    }

    @Test
    void lbfgsFindsTheMinimumOfAQuadratic() {
        double[] centre = {1, -2, 3, 0.5};
        double[] curvature = {1, 10, 100, 0.1};
        Lbfgs.Objective quadratic = new Lbfgs.Objective() {
            @Override
            public int dimension() {
                return 4;
            }

            @Override
            public double evaluate(double[] x, double[] gradient) {
                double f = 0;
                for (int i = 0; i < 4; i++) {
                    gradient[i] = curvature[i] * (x[i] - centre[i]);
                    f += 0.5 * curvature[i] * (x[i] - centre[i]) * (x[i] - centre[i]);
                }
                return f;
            }
        };
        Lbfgs.Result result = new Lbfgs(10, 200, 1e-10, 0).minimize(quadratic, new double[4]);
        assertTrue(result.converged(), "an ill-conditioned quadratic converges, stop: " + result.stop());
        assertArrayEquals(centre, result.x(), 1e-8, "the minimiser is the centre");
    }

    /** Labels by the argmax of fixed random linear functions: separable with margin by construction. */
    private static Features separable(int n, int d, int classes, long seed) {
        SplittableRandom weights = new SplittableRandom(77);
        double[][] w = new double[classes][d];
        for (double[] row : w) {
            for (int j = 0; j < d; j++) {
                row[j] = ProbeFixtures.gaussian(weights);
            }
        }
        SplittableRandom random = new SplittableRandom(seed);
        float[][] values = new float[n][d];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                values[i][j] = (float) ProbeFixtures.gaussian(random);
            }
            double best = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                double score = 0;
                for (int j = 0; j < d; j++) {
                    score += w[c][j] * values[i][j];
                }
                if (score > best) {
                    best = score;
                    labels[i] = c;
                }
            }
        }
        return new Features(values, labels, classes);
    }
}
