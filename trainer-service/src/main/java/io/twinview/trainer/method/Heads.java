package io.twinview.trainer.method;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import io.twinview.model.Encoders;
import io.twinview.model.Seeds;

/** MLP heads shared by the methods. */
public final class Heads {

    private Heads() {}

    /**
     * Two-layer projector g(h) = W2 relu(BN(W1 h)) (SimCLR sec. 2.1 defines W2 relu(W1 h); the
     * official implementation and every CIFAR reproduction add BN on the hidden layer, as here).
     */
    public static Block twoLayerMlp(int hidden, int out) {
        return mlp(2, hidden, out, false);
    }

    /**
     * {@code layers - 1} blocks of Linear-BN-ReLU of width {@code hidden}, then a Linear to
     * {@code out}, then a BN when {@code batchNormOutput} (SimSiam's projector ends with one).
     */
    public static Block mlp(int layers, int hidden, int out, boolean batchNormOutput) {
        if (layers < 1) {
            throw new IllegalArgumentException("an MLP needs at least one layer, got " + layers);
        }
        SequentialBlock mlp = new SequentialBlock();
        for (int i = 0; i < layers - 1; i++) {
            mlp.add(Linear.builder().setUnits(hidden).build()) // (N, hidden)
                    .add(BatchNorm.builder().build())
                    .add(Activation::relu);
        }
        mlp.add(Linear.builder().setUnits(out).build()); // (N, out)
        if (batchNormOutput) {
            mlp.add(BatchNorm.builder().build());
        }
        return mlp;
    }

    /** Initialises a head from the run seed and its role, for inputs of width {@code inputDim}. */
    public static Block initialized(Block head, MethodContext context, String role, int inputDim) {
        Encoders.initialize(head, Seeds.derive(context.seed(), role), new Shape(2, inputDim), context.manager());
        return head;
    }
}
