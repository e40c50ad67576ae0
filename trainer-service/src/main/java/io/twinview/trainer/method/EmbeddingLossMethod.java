package io.twinview.trainer.method;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.twinview.proto.v1.ProjectorSpec;
import java.util.Map;

/**
 * The shared shape of Barlow Twins and VICReg: encoder f and projector g for both views, no target
 * network, no predictor, no stop-gradient; each view goes through the network on its own, so
 * batch-norm statistics are per view, as in both official codes
 * ({@code z1 = projector(backbone(y1)); z2 = projector(backbone(y2))}), and the loss is a function
 * of the two batches of embeddings. Subclasses give that function; nothing else differs.
 */
public abstract class EmbeddingLossMethod extends SslMethod {

    private final Block projector;

    /** @param projector {@code layers - 1} Linear-BN-ReLU blocks, then a Linear to the embedding */
    EmbeddingLossMethod(MethodContext context, ProjectorSpec projector) {
        super(context);
        this.projector = Heads.projector(projector, false, context, "projector");
    }

    /**
     * @param z1 (N, D) embeddings of the first views
     * @param z2 (N, D) embeddings of the second views, row i the pair of z1's row i
     * @return scalar loss
     */
    protected abstract NDArray embeddingLoss(NDArray z1, NDArray z2);

    @Override
    protected final Map<String, Block> heads() {
        return Map.of("projector", projector);
    }

    @Override
    public final NDArray loss(ParameterStore parameters, NDArray view1, NDArray view2) {
        NDArray z1 = forward(projector, parameters, forward(encoder, parameters, view1)); // (N, D)
        NDArray z2 = forward(projector, parameters, forward(encoder, parameters, view2)); // (N, D)
        recordEmbeddings(z1);
        return embeddingLoss(z1, z2);
    }
}
