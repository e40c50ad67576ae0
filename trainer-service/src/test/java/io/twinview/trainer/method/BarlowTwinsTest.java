package io.twinview.trainer.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.twinview.model.EncoderKind;
import io.twinview.trainer.loss.BarlowTwinsLoss.OffDiagonal;
import io.twinview.trainer.optim.OptimizerConfig;
import io.twinview.trainer.train.Learner;
import io.twinview.trainer.train.PairBatch;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class BarlowTwinsTest {

    private static final int HIDDEN = 48;
    private static final int OUT = 24;

    private static MethodSettings settings(double lambda) {
        MethodDefaults d = MethodDefaults.builder().build();
        return new MethodSettings(HIDDEN, OUT, 3, d.predictorHiddenDim(), d.temperature(), d.networkMomentum(), 0,
                lambda, false, d.directPredRho(), d.directPredEps(), d.directPredEvery(), 1, 1);
    }

    private static Learner learner(String method, double lambda) {
        return new Learner(new Learner.Config(method, EncoderKind.SMALL, 16, 3, settings(lambda),
                new OptimizerConfig("adam", 1e-3, 0.9, 1e-6, 0.001), Device.cpu()));
    }

    /** Pairs whose second view is the first plus a little noise. */
    private static PairBatch batch(long seed, int n) {
        Random random = new Random(seed);
        byte[] view1 = new byte[n * 16 * 16 * 3];
        random.nextBytes(view1);
        byte[] view2 = view1.clone();
        for (int i = 0; i < view2.length; i++) {
            view2[i] = (byte) Math.max(0, Math.min(255, (view2[i] & 0xff) + random.nextInt(21) - 10));
        }
        return new PairBatch(view1, view2, n, 16, 16, LongStream.range(0, n).toArray());
    }

    @Test
    void definitionsCarryThePaperAndTheirOffDiagonalStrategy() {
        assertEquals("https://arxiv.org/abs/2103.03230", Methods.get("barlow").paper(), "barlow cites its paper");
        assertEquals("https://arxiv.org/abs/2103.03230", Methods.get("barlow-mean").paper(), "barlow-mean cites the base paper");
        MethodDefaults defaults = Methods.get("barlow").defaults();
        assertEquals(5.1e-3, defaults.barlowLambda(), 0, "lambda is the official 5.1e-3");
        assertEquals(3, defaults.projectorLayers(), "the projector has three Linear layers, as in the paper");
        assertEquals(2048, defaults.projectorHiddenDim(), "2048 wide, solo-learn's CIFAR width");
        assertEquals(2048, defaults.projectorOutputDim(), "2048 wide, solo-learn's CIFAR width");
        MethodDefaults mean16 = Methods.get("barlow-mean").defaults();
        assertEquals(16, mean16.projectorOutputDim(), "barlow-mean embeds in 16-d, where the mean weighs about lambda");
        assertEquals(defaults.projectorHiddenDim(), mean16.projectorHiddenDim());
        assertEquals(List.of(defaults.optimizer(), defaults.learningRate(), defaults.batchSize(),
                        defaults.projectorLayers(), defaults.recipe()),
                List.of(mean16.optimizer(), mean16.learningRate(), mean16.batchSize(),
                        mean16.projectorLayers(), mean16.recipe()),
                "otherwise the two variants share one recipe");
        assertEquals(10, defaults.epochs(), "barlow trains 10 epochs");
        assertEquals(30, mean16.epochs(), "barlow-mean 30, chosen on the validation split (+7.8 k-NN against +6.7 in 20)");

        try (Learner sum = learner("barlow", 0.25); Learner mean = learner("barlow-mean", 0.25)) {
            OffDiagonal sumReduction = ((BarlowTwins) sum.method()).offDiagonal();
            assertInstanceOf(OffDiagonal.Sum.class, sumReduction, "barlow sums the off-diagonal squares");
            assertEquals(0.25, sumReduction.weight(OUT), 0, "barlow weighs them by the run's barlow_lambda");
            OffDiagonal meanReduction = ((BarlowTwins) mean.method()).offDiagonal();
            assertInstanceOf(OffDiagonal.Mean.class, meanReduction, "barlow-mean averages them, ignoring barlow_lambda");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"barlow", "barlow-mean"})
    void embeddingsHaveTheProjectorWidthAndOnlyEncoderAndProjectorTrain(String method) {
        try (Learner learner = learner(method, 5.1e-3)) {
            learner.step(batch(1, 8), 1e-3, 1, 10);
            assertEquals(OUT, learner.method().lastEmbeddingDim(), "the loss compares projector outputs of width " + OUT);
            assertEquals(8 * OUT, learner.method().lastEmbeddings().length, "one embedding per first view");
            assertEquals(List.of("encoder", "projector"), List.copyOf(learner.method().trainableBlocks().keySet()),
                    "Barlow Twins trains the encoder and the projector, nothing else");
            assertTrue(learner.method().targetBlocks().isEmpty(), "and has no target network");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"barlow", "barlow-mean"})
    void lossGoesDownOverAFewSteps(String method) {
        try (Learner learner = learner(method, 5.1e-3)) {
            PairBatch batch = batch(1, 8);
            double first = learner.step(batch, 3e-3, 1, 12).loss();
            double last = first;
            for (int step = 2; step <= 12; step++) {
                last = learner.step(batch, 3e-3, step, 12).loss();
            }
            assertTrue(last < 0.8 * first, method + " learns to correlate the pairs' dimensions: loss " + first + " -> " + last);
        }
    }

    @Test
    void aRestoredLearnerTakesExactlyTheSameNextStep() {
        try (Learner original = learner("barlow", 5.1e-3); Learner restored = learner("barlow", 5.1e-3)) {
            for (int step = 1; step <= 3; step++) {
                original.step(batch(step, 8), 1e-3, step, 10);
            }
            restored.step(batch(99, 8), 1e-3, 1, 10);
            restored.restore(original.state());
            assertEquals(original.step(batch(4, 8), 1e-3, 4, 10).loss(), restored.step(batch(4, 8), 1e-3, 4, 10).loss(), 1e-6,
                    "weights, batch-norm statistics and optimizer moments are all restored");
            assertEquals(original.step(batch(5, 8), 1e-3, 5, 10).loss(), restored.step(batch(5, 8), 1e-3, 5, 10).loss(), 1e-5,
                    "and the updates after it agree too");
        }
    }
}
