package io.twinview.eval.probe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class KnnProbeTest {

    private static NDManager manager;

    @BeforeAll
    static void engine() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @Test
    void votesAreExpOfCosineOverTemperatureOfTheKNearest() {
        Features train = features(new float[][] {{1, 0}, {0, 1}, {1, 1}}, new int[] {0, 1, 1}, 2);
        Features test = features(new float[][] {{1, 0.1f}}, new int[] {0}, 2);
        double[][] scores = new KnnProbe(2, 1.0).classScores(train, test, manager);

        double norm = Math.sqrt(1.01);
        double toFirst = 1 / norm; // cos((1, 0.1), (1, 0))
        double toThird = 1.1 / (norm * Math.sqrt(2)); // cos((1, 0.1), (1, 1)); (0, 1) at 0.0995 is not among k = 2
        assertEquals(Math.exp(toFirst), scores[0][0], 1e-6, "class 0 gets exp(cos / T) of its one neighbour");
        assertEquals(
                Math.exp(toThird),
                scores[0][1],
                1e-6,
                "class 1 gets only the vote of (1, 1): (0, 1) is the 3rd nearest");
        Accuracy accuracy = new KnnProbe(2, 1.0).score(train, test, manager);
        assertEquals(1, accuracy.top1Correct(), "the higher vote (class 0) is the prediction");
    }

    @Test
    void matchesANaiveImplementationOnHandMadeFeatures() {
        float[][] trainValues = {
            {1.0f, 0.2f, 0.0f}, {0.9f, 0.1f, 0.3f}, {0.1f, 1.0f, 0.2f}, {0.2f, 0.8f, 0.1f},
            {0.0f, 0.3f, 1.0f}, {0.3f, 0.1f, 0.9f}, {0.7f, 0.7f, 0.0f}, {0.1f, 0.6f, 0.7f},
            {0.5f, 0.2f, 0.4f}, {0.8f, 0.5f, 0.6f}
        };
        int[] trainLabels = {0, 0, 1, 1, 2, 2, 0, 2, 1, 3};
        float[][] testValues = {
            {0.95f, 0.15f, 0.1f},
            {0.15f, 0.9f, 0.15f},
            {0.1f, 0.2f, 0.95f},
            {0.6f, 0.6f, 0.3f},
            {0.3f, 0.4f, 0.5f},
            {0.8f, 0.45f, 0.62f}
        };
        int[] testLabels = {0, 1, 2, 0, 1, 3};
        Features train = features(trainValues, trainLabels, 4);
        Features test = features(testValues, testLabels, 4);
        for (int k : new int[] {1, 3, 5, 10}) {
            for (double temperature : new double[] {0.07, 0.5}) {
                KnnProbe probe = new KnnProbe(k, temperature);
                double[][] expected = naiveScores(train, test, k, temperature);
                double[][] actual = probe.classScores(train, test, manager);
                for (int i = 0; i < testValues.length; i++) {
                    for (int c = 0; c < 4; c++) {
                        assertEquals(
                                expected[i][c],
                                actual[i][c],
                                1e-5 * Math.max(1, expected[i][c]),
                                "vote of class " + c + " for test row " + i + " (k " + k + ", T " + temperature + ")");
                    }
                }
                Accuracy naive = naiveAccuracy(expected, testLabels);
                Accuracy accuracy = probe.score(train, test, manager);
                assertEquals(
                        naive, accuracy, "top-1/top-5 hits equal the naive ones (k " + k + ", T " + temperature + ")");
            }
        }
    }

    @Test
    void separatedClustersAreClassifiedPerfectly() {
        Features train = ProbeFixtures.gaussianClusters(600, 32, 6, 4.0, 1);
        Features test = ProbeFixtures.gaussianClusters(240, 32, 6, 4.0, 2);
        Accuracy accuracy = new KnnProbe().score(train, test, manager);
        assertEquals(1.0, accuracy.top1(), "well separated clusters: every test row's neighbours share its class");
        assertEquals(1.0, accuracy.top5(), "top-5 is at least top-1");
    }

    @Test
    void top5CountsOnlyClassesThatReceivedAVote() {
        // three classes; the test row's true class 2 lies far from its neighbours
        Features train = features(new float[][] {{1, 0}, {0.9f, 0.1f}, {0.1f, 1}, {-1, 0}}, new int[] {0, 0, 1, 2}, 3);
        Features test = features(new float[][] {{1, 0.05f}}, new int[] {2}, 3);
        Accuracy fewNeighbours = new KnnProbe(2, 0.07).score(train, test, manager);
        assertEquals(
                0,
                fewNeighbours.top5Correct(),
                "with 3 classes top-5 is top-3, yet a class no neighbour voted for is not a prediction");
        Accuracy allNeighbours = new KnnProbe(200, 0.07).score(train, test, manager);
        assertEquals(0, allNeighbours.top1Correct(), "class 2 is the farthest: not top-1");
        assertEquals(
                1,
                allNeighbours.top5Correct(),
                "k above the train size uses all rows, so class 2 got a vote: top-3 hit");
    }

    @Test
    void top5IsTheTrueClassAmongTheFiveHighestVotes() {
        // ten classes at angles 0, 0.1, ..., 0.9 from the query: class c is the (c+1)-th nearest
        float[][] trainValues = new float[10][];
        int[] trainLabels = new int[10];
        for (int c = 0; c < 10; c++) {
            double angle = 0.1 * c;
            trainValues[c] = new float[] {(float) Math.cos(angle), (float) Math.sin(angle)};
            trainLabels[c] = c;
        }
        Features train = features(trainValues, trainLabels, 10);
        Features sixth = features(new float[][] {{1, 0}}, new int[] {5}, 10);
        Features fifth = features(new float[][] {{1, 0}}, new int[] {4}, 10);
        KnnProbe probe = new KnnProbe(10, 0.07);
        assertEquals(0, probe.score(train, sixth, manager).top5Correct(), "6th highest vote is outside the top 5");
        assertEquals(1, probe.score(train, fifth, manager).top5Correct(), "5th highest vote is inside the top 5");
    }

    @Test
    void rejectsMismatchedDimensions() {
        Features train = features(new float[][] {{1, 0}}, new int[] {0}, 1);
        Features test = features(new float[][] {{1, 0, 0}}, new int[] {0}, 1);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new KnnProbe().score(train, test, manager));
        assertEquals(
                "test features have dimension 3, train features 2",
                e.getMessage(),
                "the message names both dimensions");
    }

    @Test
    void rejectsBadSettings() {
        assertThrows(IllegalArgumentException.class, () -> new KnnProbe(0, 0.07), "k = 0 is not a classifier");
        assertThrows(IllegalArgumentException.class, () -> new KnnProbe(5, 0), "T = 0 divides by zero");
    }

    private static Features features(float[][] values, int[] labels, int classes) {
        return new Features(values, labels, classes);
    }

    /** Double precision, full sort by (similarity desc, index asc), then the vote. */
    static double[][] naiveScores(Features train, Features test, int k, double temperature) {
        int classes = Math.max(train.classCount(), test.classCount());
        double[][] scores = new double[test.size()][classes];
        for (int i = 0; i < test.size(); i++) {
            float[] query = test.values()[i];
            double[] similarity = new double[train.size()];
            for (int t = 0; t < train.size(); t++) {
                similarity[t] = cosine(query, train.values()[t]);
            }
            Integer[] order = IntStream.range(0, train.size()).boxed().toArray(Integer[]::new);
            Arrays.sort(
                    order,
                    Comparator.<Integer>comparingDouble(t -> -similarity[t]).thenComparingInt(t -> t));
            for (int q = 0; q < Math.min(k, train.size()); q++) {
                int t = order[q];
                scores[i][train.labels()[t]] += Math.exp(similarity[t] / temperature);
            }
        }
        return scores;
    }

    static Accuracy naiveAccuracy(double[][] scores, int[] labels) {
        int top1 = 0;
        int top5 = 0;
        for (int i = 0; i < scores.length; i++) {
            int label = labels[i];
            int better = 0;
            for (int c = 0; c < scores[i].length; c++) {
                if (scores[i][c] > scores[i][label] || (scores[i][c] == scores[i][label] && c < label)) {
                    better++;
                }
            }
            boolean voted = scores[i][label] > 0;
            top1 += voted && better == 0 ? 1 : 0;
            top5 += voted && better < Math.min(5, scores[i].length) ? 1 : 0;
        }
        return new Accuracy(top1, top5, scores.length);
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int j = 0; j < a.length; j++) {
            dot += (double) a[j] * b[j];
            na += (double) a[j] * a[j];
            nb += (double) b[j] * b[j];
        }
        return dot / (Math.sqrt(na) * Math.sqrt(nb));
    }

    @Test
    void normalisedRowsHaveUnitNorm() {
        Features f = features(new float[][] {{3, 4}, {0, 0}}, new int[] {0, 0}, 1);
        assertArrayEquals(
                new float[] {0.6f, 0.8f, 0, 0},
                KnnProbe.normalisedRows(f, 0, 2),
                1e-7f,
                "rows are divided by their L2 norm; a zero row stays zero");
    }
}
