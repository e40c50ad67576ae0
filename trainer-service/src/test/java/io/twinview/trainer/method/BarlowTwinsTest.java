package io.twinview.trainer.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.proto.v1.BarlowTwinsSettings;
import io.twinview.proto.v1.ProjectorSpec;
import io.twinview.trainer.loss.BarlowTwinsLoss.OffDiagonal;
import io.twinview.trainer.train.Learner;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BarlowTwinsTest {

    private static final int OUT = 24;

    private static Learner learner(String method, double lambda) {
        String field = Methods.get(method).settingsField();
        List<String> overrides =
                new ArrayList<>(List.of(field + ".projector.hidden_dim=48", field + ".projector.output_dim=" + OUT));
        if (method.equals("barlow")) {
            overrides.add("barlow.off_diagonal_weight=" + lambda);
        }
        return MethodFixtures.learner(method, MethodFixtures.settings(method, overrides.toArray(String[]::new)), 1e-3);
    }

    @Test
    void definitionsCarryThePaperAndTheirOffDiagonalStrategy() {
        assertEquals("https://arxiv.org/abs/2103.03230", BarlowTwins.DEFINITION.paper(), "barlow cites its paper");
        assertEquals(
                "https://arxiv.org/abs/2103.03230",
                BarlowTwins.MEAN_DEFINITION.paper(),
                "barlow-mean cites the base paper");
        BarlowTwinsSettings defaults = BarlowTwins.DEFINITION.defaults();
        assertEquals(5.1e-3, defaults.getOffDiagonalWeight(), 0, "lambda is the official 5.1e-3");
        ProjectorSpec projector = defaults.getProjector();
        assertEquals(3, projector.getLayers(), "the projector has three Linear layers, as in the paper");
        assertEquals(2048, projector.getHiddenDim(), "2048 wide, solo-learn's CIFAR width");
        assertEquals(2048, projector.getOutputDim(), "2048 wide, solo-learn's CIFAR width");
        ProjectorSpec mean16 = BarlowTwins.MEAN_DEFINITION.defaults().getProjector();
        assertEquals(16, mean16.getOutputDim(), "barlow-mean embeds in 16-d, where the mean weighs about lambda");
        assertEquals(projector.getHiddenDim(), mean16.getHiddenDim());
        assertEquals(projector.getLayers(), mean16.getLayers());
        Recipe recipe = BarlowTwins.DEFINITION.recipe();
        Recipe meanRecipe = BarlowTwins.MEAN_DEFINITION.recipe();
        assertEquals(
                List.of(recipe.optimizer(), recipe.batchSize(), recipe.augment()),
                List.of(meanRecipe.optimizer(), meanRecipe.batchSize(), meanRecipe.augment()),
                "otherwise the two variants share one recipe");
        assertEquals(10, recipe.epochs(), "barlow trains 10 epochs");
        assertEquals(
                30,
                meanRecipe.epochs(),
                "barlow-mean 30, chosen on the validation split (+7.8 k-NN against +6.7 in 20)");

        try (Learner sum = learner("barlow", 0.25);
                Learner mean = learner("barlow-mean", 0.25)) {
            OffDiagonal sumReduction = ((BarlowTwins) sum.method()).offDiagonal();
            assertInstanceOf(OffDiagonal.Sum.class, sumReduction, "barlow sums the off-diagonal squares");
            assertEquals(0.25, sumReduction.weight(OUT), 0, "barlow weighs them by barlow.off_diagonal_weight");
            OffDiagonal meanReduction = ((BarlowTwins) mean.method()).offDiagonal();
            assertInstanceOf(OffDiagonal.Mean.class, meanReduction, "barlow-mean averages them, without a weight");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"barlow", "barlow-mean"})
    void onlyEncoderAndProjectorTrainAndNoTargetNetwork(String method) {
        try (Learner learner = learner(method, 5.1e-3)) {
            assertEquals(
                    List.of("encoder", "projector"),
                    List.copyOf(learner.method().trainableBlocks().keySet()),
                    "Barlow Twins trains the encoder and the projector, nothing else");
            assertTrue(learner.method().targetBlocks().isEmpty(), "and has no target network");
        }
    }
}
