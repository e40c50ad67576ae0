package io.twinview.trainer.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * One SSL method: the blocks it trains, the loss of a batch of view pairs, and what happens after an
 * optimizer step. Variants differ in what they override, never in flags: a method with a target
 * network keeps it in {@link #targetBlocks()} and updates it in {@link #afterStep}; a method with
 * a stop-gradient applies it inside {@link #loss}; a method with a queue or a moving estimate keeps
 * it in {@link #state()}.
 */
public abstract class SslMethod {

    protected final MethodContext context;
    protected final Block encoder;
    private float[] lastEmbeddings = new float[0];
    private int lastEmbeddingDim;

    protected SslMethod(MethodContext context) {
        this.context = context;
        this.encoder = context.encoder();
    }

    public final Block encoder() {
        return encoder;
    }

    /** Blocks the optimizer updates, by stable role name; always starts with "encoder". */
    public Map<String, Block> trainableBlocks() {
        Map<String, Block> blocks = new LinkedHashMap<>();
        blocks.put("encoder", encoder);
        blocks.putAll(heads());
        return blocks;
    }

    /** Trainable blocks other than the encoder (projector, predictor...), by role name. */
    protected abstract Map<String, Block> heads();

    /** Blocks saved with the training state but not trained by gradient (EMA targets, set predictors). */
    public Map<String, Block> targetBlocks() {
        return Map.of();
    }

    /** Learning-rate multipliers by role (a predictor's relative rate); roles not named keep 1. */
    public Map<String, Double> learningRateScales() {
        return Map.of();
    }

    /** Roles whose parameters keep the peak learning rate instead of following the schedule. */
    public Set<String> fixedLearningRateRoles() {
        return Set.of();
    }

    /**
     * The loss of a batch, forwarded in training mode inside the caller's gradient collector.
     *
     * @param view1 (N, 3, H, W) normalised first views
     * @param view2 (N, 3, H, W) second views, row i the pair of view1's row i
     * @return scalar loss
     */
    public abstract NDArray loss(ParameterStore parameters, NDArray view1, NDArray view2);

    /** Called after each optimizer step (momentum encoders, queues); {@code step} counts from 1. */
    public void afterStep(long step, long totalSteps) {}

    /** State beyond block parameters (a queue, a moving estimate), as named arrays; empty by default. */
    public NDList state() {
        return new NDList();
    }

    /** Restores {@link #state()}. */
    public void loadState(NDList state) {
        if (!state.isEmpty()) {
            throw new IllegalArgumentException(
                    getClass().getSimpleName() + " keeps no state, got " + state.size() + " arrays");
        }
    }

    /**
     * How far the predictor's eigenbasis agrees with that of its input correlation (methods with a
     * predictor); see {@code CollapseMonitor#alignment}.
     */
    public OptionalDouble predictorAlignment() {
        return OptionalDouble.empty();
    }

    /** The embeddings (what the loss compares) of the last batch's first views, row-major (N, D). */
    public final float[] lastEmbeddings() {
        return lastEmbeddings;
    }

    public final int lastEmbeddingDim() {
        return lastEmbeddingDim;
    }

    /** Keeps a host copy of the first views' embeddings for the collapse monitors. */
    protected final void recordEmbeddings(NDArray embeddings) {
        lastEmbeddingDim = Math.toIntExact(embeddings.getShape().get(1));
        lastEmbeddings = embeddings.stopGradient().toFloatArray();
    }

    protected static NDArray forward(Block block, ParameterStore parameters, NDArray input) {
        return block.forward(parameters, new NDList(input), true).singletonOrThrow();
    }
}
