package io.twinview.eval.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.twinview.core.data.Datasets;
import io.twinview.core.data.ImageDataset;
import io.twinview.model.BlockParameters;
import io.twinview.model.EncoderKind;
import io.twinview.model.Encoders;
import org.junit.jupiter.api.Test;

class EvaluatorTest {

    private static final ImageDataset TRAIN = Datasets.open("synthetic:?n=96&split=train");
    private static final ImageDataset TEST = Datasets.open("synthetic:?n=48&split=test");

    @Test
    void untrainedCheckpointScoresExactlyLikeTheRandomInitBaselineWhichIsThenCached() {
        byte[] initial = initialWeights(EncoderKind.SMALL, 5);
        Evaluator evaluator = new Evaluator();
        Evaluator.Input input = new Evaluator.Input(EncoderKind.SMALL, 5, 32, initial, TRAIN, TEST, 20);

        Evaluator.Outcome first = evaluator.evaluate(input);
        assertEquals(first.randomInit(), first.ssl(), "the checkpoint holds the run's initial weights: same scores");
        assertFalse(first.baselineCached(), "the first evaluation computes the baseline");
        assertEquals(96, first.trainSamples(), "train size");
        assertEquals(48, first.testSamples(), "test size");
        assertEquals(256, first.featureDim(), "small encoder features");
        assertEquals(20, first.k(), "k as asked (below the train size)");
        assertEquals(KnnProbe.DEFAULT_TEMPERATURE, first.temperature(), "InstDisc temperature");
        assertTrue(LinearProbe.DEFAULT_L2_GRID.contains(first.linearL2()), "the L2 comes from the grid");

        Evaluator.Outcome second = evaluator.evaluate(input);
        assertTrue(second.baselineCached(), "a later checkpoint of the same run reuses the baseline");
        assertEquals(first.ssl(), second.ssl(), "evaluation is deterministic");
        assertTrue(evaluator.cachedBaseline(input.baselineKey()).isPresent(), "the baseline is cached by its key");
    }

    @Test
    void capsKAtTheTrainSize() {
        Evaluator.Outcome outcome = new Evaluator()
                .evaluate(new Evaluator.Input(
                        EncoderKind.SMALL, 5, 32, initialWeights(EncoderKind.SMALL, 5), TRAIN, TEST, 200));
        assertEquals(96, outcome.k(), "k = 200 with 96 train images votes with all of them");
    }

    @Test
    void rejectsWeightsOfAnotherArchitecture() {
        Evaluator.Input input = new Evaluator.Input(EncoderKind.SMALL, 5, 32, new byte[] {1, 2, 3}, TRAIN, TEST, 20);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new Evaluator().evaluate(input));
        assertTrue(
                e.getMessage().contains("do not fit"), "the message says the parameters do not fit: " + e.getMessage());
    }

    @Test
    void rejectsSetsThatDisagreeOnClasses() {
        ImageDataset fiveClasses = Datasets.open("synthetic:?n=40&split=test&classes=5");
        Evaluator.Input input = new Evaluator.Input(
                EncoderKind.SMALL, 5, 32, initialWeights(EncoderKind.SMALL, 5), TRAIN, fiveClasses, 20);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new Evaluator().evaluate(input));
        assertTrue(
                e.getMessage().contains("10 classes") && e.getMessage().contains("5"),
                "the message names both class counts: " + e.getMessage());
    }

    static byte[] initialWeights(EncoderKind kind, long seed) {
        try (NDManager manager = NDManager.newBaseManager()) {
            return BlockParameters.toBytes(Encoders.create(kind, seed, 32, manager));
        }
    }
}
