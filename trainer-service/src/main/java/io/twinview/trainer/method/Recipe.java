package io.twinview.trainer.method;

import io.twinview.proto.v1.OptimizerSpec;

/**
 * What a method's default run is made of beyond its own settings.
 *
 * @param optimizer every field set
 * @param batchSize pairs per optimizer step
 * @param augment the augmentation recipe's name ({@code core/.../AugmentRecipes})
 */
public record Recipe(OptimizerSpec optimizer, int batchSize, int epochs, String augment) {

    /**
     * Adam at lr 1e-3 (momentum 0.9 as beta1, weight decay 1e-6), one warmup epoch, then cosine to 0:
     * the optimizer every default trains with, because it converges in the few hundred steps a
     * 2-core CPU run affords, where the papers' SGD or LARS schedules are tuned for hundreds of epochs.
     */
    public static Recipe cpuBudget(int batchSize, int epochs, String augment) {
        OptimizerSpec adam = OptimizerSpec.newBuilder()
                .setName("adam")
                .setLearningRate(1e-3)
                .setMomentum(0.9)
                .setWeightDecay(1e-6)
                .setWarmupEpochs(1)
                .setSchedule("cosine")
                .setLrScaling("none")
                .setTrustCoefficient(0.001)
                .build();
        return new Recipe(adam, batchSize, epochs, augment);
    }
}
