package io.twinview.trainer.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.proto.v1.HeadBlock;
import io.twinview.proto.v1.HeadsState;
import io.twinview.trainer.method.MethodFixtures;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The heads checkpoint object. What every method's learner must do (steps, restore, no leak) is
 * {@code MethodContractTest}'s.
 */
class LearnerTest {

    /** A learner of {@code method} with small heads, as a run of that method resolves them. */
    private static Learner learner(String method) {
        String field = method.replace('-', '_');
        List<String> overrides = new java.util.ArrayList<>(
                List.of(field + ".projector.hidden_dim=32", field + ".projector.output_dim=16"));
        if (method.startsWith("moco")) {
            overrides.add(field + ".queue_size=32");
            overrides.add(field + ".key_bn_splits=2");
        }
        return MethodFixtures.learner(method, MethodFixtures.settings(method, overrides.toArray(String[]::new)), 1e-3);
    }

    @Test
    void theHeadsObjectIsAHeadsStateOfTheMethodsBlocksAndState() throws Exception {
        try (Learner moco = learner("mocov2")) {
            moco.step(MethodFixtures.batch(1, 8), 1e-3, 1, 10);
            HeadsState heads = HeadsState.parseFrom(moco.state().heads());
            assertEquals(
                    List.of("projector", "key_encoder", "key_projector"),
                    heads.getBlocksList().stream().map(HeadBlock::getRole).toList(),
                    "every block but the encoder, trainable then target, by role");
            assertFalse(heads.getMethodState().isEmpty(), "MoCo's queue travels as method state");
        }
        try (Learner simclr = learner("simclr")) {
            assertTrue(
                    HeadsState.parseFrom(simclr.state().heads())
                            .getMethodState()
                            .isEmpty(),
                    "SimCLR keeps no state");
        }
    }

    @Test
    void aNonFiniteStepIsSkippedAndSaysWhatWasNotFinite() {
        try (Learner simclr = learner("simclr")) {
            List<float[]> before = trainedWeights(simclr);
            ai.djl.nn.Parameter weight = simclr.method()
                    .trainableBlocks()
                    .get("projector")
                    .getParameters()
                    .valueAt(0);
            weight.getArray().stopGradient().muli(Float.NaN); // a view: in place on the weight itself
            Stepper.StepResult result = simclr.step(MethodFixtures.batch(1, 8), 1e-3, 1, 10);
            assertFalse(result.finite(), "a NaN projector weight makes the step non-finite");
            assertEquals("the loss", result.cause(), "the warning names what was not finite");
            List<float[]> after = trainedWeights(simclr);
            for (int i = 0; i < before.size(); i++) {
                assertArrayEquals(
                        before.get(i), after.get(i), "the skipped step updates no encoder weight (#" + i + ")");
            }
        }
    }

    /** The encoder's gradient-trained arrays (batch-norm running statistics move in any training forward). */
    private static List<float[]> trainedWeights(Learner learner) {
        return learner.method().encoder().getParameters().values().stream()
                .filter(ai.djl.nn.Parameter::requiresGradient)
                .map(p -> p.getArray().toFloatArray())
                .toList();
    }

    @Test
    void aCheckpointOfAnotherMethodIsRefusedWithTheBlocksOnEachSide() throws Exception {
        try (Learner simclr = learner("simclr");
                Learner byol = learner("byol")) {
            TrainingState byolState = byol.state();
            IllegalArgumentException count =
                    assertThrows(IllegalArgumentException.class, () -> simclr.restore(byolState));
            assertTrue(
                    count.getMessage().matches("checkpoint holds \\d+ head blocks, this method has 1 \\[projector\\]"),
                    "the counts and this method's roles: " + count.getMessage());

            TrainingState own = simclr.state();
            HeadsState renamed = HeadsState.parseFrom(own.heads()).toBuilder()
                    .setBlocks(0, HeadBlock.newBuilder().setRole("predictor"))
                    .build();
            IllegalArgumentException role = assertThrows(
                    IllegalArgumentException.class,
                    () -> simclr.restore(new TrainingState(own.encoder(), renamed.toByteArray(), own.optimizer())));
            assertEquals("checkpoint holds head 'predictor', this method has [projector]", role.getMessage());

            IllegalArgumentException garbage = assertThrows(
                    IllegalArgumentException.class,
                    () -> simclr.restore(new TrainingState(own.encoder(), new byte[] {0, 0, 0, 1}, own.optimizer())));
            assertTrue(
                    garbage.getMessage().startsWith("the checkpoint's heads object is not a HeadsState"),
                    garbage.getMessage());
        }
    }
}
