package io.twinview.trainer.method;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import io.twinview.model.Encoders;
import io.twinview.model.Seeds;
import io.twinview.proto.v1.ProjectorSpec;

/** MLP heads shared by the methods. */
public final class Heads {

    private Heads() {}

    /**
     * The projector a {@link ProjectorSpec} describes, initialised as {@code role} for the encoder's
     * features: {@code layers - 1} Linear-BN-ReLU blocks, a Linear, and a BN when
     * {@code batchNormOutput}. The two-layer form is g(h) = W2 relu(BN(W1 h)): SimCLR sec. 2.1
     * defines W2 relu(W1 h), and the official implementation and every CIFAR reproduction add the BN.
     */
    public static Block projector(ProjectorSpec spec, boolean batchNormOutput, MethodContext context, String role) {
        return initialized(
                mlp(spec, batchNormOutput), context, role, context.encoderKind().featureDim());
    }

    /** A new, uninitialised block of the projector a {@link ProjectorSpec} describes (a twin's architecture). */
    public static Block mlp(ProjectorSpec spec, boolean batchNormOutput) {
        return mlp(spec.getLayers(), spec.getHiddenDim(), spec.getOutputDim(), batchNormOutput);
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
