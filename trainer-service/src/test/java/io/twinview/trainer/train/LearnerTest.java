package io.twinview.trainer.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.twinview.model.EncoderKind;
import io.twinview.proto.v1.HeadBlock;
import io.twinview.proto.v1.HeadSpec;
import io.twinview.proto.v1.HeadsState;
import io.twinview.proto.v1.RunSpec;
import io.twinview.trainer.method.MethodSettings;
import io.twinview.trainer.method.Methods;
import io.twinview.trainer.optim.OptimizerConfig;
import io.twinview.trainer.run.RunSpecs;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class LearnerTest {

    private static Learner learner() {
        return new Learner(new Learner.Config("simclr", EncoderKind.SMALL, 16, 3, MethodSettings.contrastive(64, 32, 0.5),
                new OptimizerConfig("adam", 1e-3, 0.9, 1e-6, 0.001), Device.cpu()));
    }

    /** A learner of {@code method} with small heads, as a run of that method resolves them. */
    private static Learner learner(String method) {
        RunSpec spec = RunSpecs.resolve(RunSpec.newBuilder().setMethod(method).setDatasetUri("synthetic:?n=64&size=16")
                .setBatchSize(8)
                .setHead(HeadSpec.newBuilder().setProjectorHiddenDim(32).setProjectorOutputDim(16)
                        .setPredictorHiddenDim(16).setQueueSize(32).setKeyBnSplits(2))
                .build()).spec();
        return new Learner(new Learner.Config(method, EncoderKind.SMALL, 16, 3, RunSpecs.settings(spec),
                RunSpecs.optimizer(spec), Device.cpu()));
    }

    /** Pairs whose second view is the first plus a little noise: easy to tell apart from each other. */
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
    void lossGoesDownOverAFewSteps() {
        try (Learner learner = learner()) {
            PairBatch batch = batch(1, 16);
            double first = learner.step(batch, 1e-3, 1, 30).loss();
            double last = first;
            for (int step = 2; step <= 30; step++) {
                last = learner.step(batch, 1e-3, step, 30).loss();
            }
            assertTrue(last < first - 0.3, "SimCLR learns to match the pairs: loss " + first + " -> " + last);
        }
    }

    @Test
    void aRestoredLearnerTakesExactlyTheSameNextStep() {
        try (Learner original = learner(); Learner restored = learner()) {
            for (int step = 1; step <= 3; step++) {
                original.step(batch(step, 8), 1e-3, step, 10);
            }
            restored.step(batch(99, 8), 1e-3, 1, 10); // trained on something else before the restore
            restored.restore(original.state());
            double expected = original.step(batch(4, 8), 1e-3, 4, 10).loss();
            double actual = restored.step(batch(4, 8), 1e-3, 4, 10).loss();
            assertEquals(expected, actual, 1e-6, "weights, batch-norm statistics and optimizer moments are all restored");
            double expectedNext = original.step(batch(5, 8), 1e-3, 5, 10).loss();
            double actualNext = restored.step(batch(5, 8), 1e-3, 5, 10).loss();
            assertEquals(expectedNext, actualNext, 1e-5, "and the updates after it agree too");
        }
    }

    @Test
    void theHeadsObjectIsAHeadsStateOfTheMethodsBlocksAndState() throws Exception {
        try (Learner moco = learner("mocov2")) {
            moco.step(batch(1, 8), 1e-3, 1, 10);
            HeadsState heads = HeadsState.parseFrom(moco.state().heads());
            assertEquals(List.of("projector", "key_encoder", "key_projector"),
                    heads.getBlocksList().stream().map(HeadBlock::getRole).toList(),
                    "every block but the encoder, trainable then target, by role");
            assertFalse(heads.getMethodState().isEmpty(), "MoCo's queue travels as method state");
        }
        try (Learner simclr = learner()) {
            assertTrue(HeadsState.parseFrom(simclr.state().heads()).getMethodState().isEmpty(), "SimCLR keeps no state");
        }
    }

    @Test
    void aCheckpointOfAnotherMethodIsRefusedWithTheBlocksOnEachSide() throws Exception {
        try (Learner simclr = learner(); Learner byol = learner("byol")) {
            TrainingState byolState = byol.state();
            IllegalArgumentException count = assertThrows(IllegalArgumentException.class, () -> simclr.restore(byolState));
            assertTrue(count.getMessage().matches("checkpoint holds \\d+ head blocks, this method has 1 \\[projector\\]"),
                    "the counts and this method's roles: " + count.getMessage());

            TrainingState own = simclr.state();
            HeadsState renamed = HeadsState.parseFrom(own.heads()).toBuilder()
                    .setBlocks(0, HeadBlock.newBuilder().setRole("predictor")).build();
            IllegalArgumentException role = assertThrows(IllegalArgumentException.class,
                    () -> simclr.restore(new TrainingState(own.encoder(), renamed.toByteArray(), own.optimizer())));
            assertEquals("checkpoint holds head 'predictor', this method has [projector]", role.getMessage());

            IllegalArgumentException garbage = assertThrows(IllegalArgumentException.class,
                    () -> simclr.restore(new TrainingState(own.encoder(), new byte[] {0, 0, 0, 1}, own.optimizer())));
            assertTrue(garbage.getMessage().startsWith("the checkpoint's heads object is not a HeadsState"), garbage.getMessage());
        }
    }

    /**
     * Every method's step frees what it allocates: after the first steps (lazy optimizer buffers, a
     * queue), the learner's manager holds the same arrays however many steps follow.
     */
    static Stream<String> methods() {
        return Methods.keys().stream();
    }

    @ParameterizedTest
    @MethodSource("methods")
    void aStepLeavesNoArrayBehind(String method) {
        try (Learner learner = learner(method)) {
            for (int step = 1; step <= 2; step++) {
                learner.step(batch(step, 8), 1e-3, step, 10);
            }
            learner.monitors();
            int held = learner.managedArrays();
            for (int step = 3; step <= 6; step++) {
                learner.step(batch(step, 8), 1e-3, step, 10);
            }
            learner.monitors();
            assertEquals(held, learner.managedArrays(), method + ": four more steps, no more arrays held");
        }
    }
}
