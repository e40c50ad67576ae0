package io.twinview.trainer.method;

import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;

/** MLP heads shared by the methods. */
public final class Heads {

    private Heads() {}

    /**
     * Two-layer projector g(h) = W2 relu(BN(W1 h)) (SimCLR sec. 2.1 defines W2 relu(W1 h); the
     * official implementation and every CIFAR reproduction add BN on the hidden layer, as here).
     */
    public static Block twoLayerMlp(int hidden, int out) {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(hidden).build()) // (N, hidden)
                .add(BatchNorm.builder().build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(out).build()); // (N, out)
    }
}
