package io.twinview.trainer.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One SSL method: the blocks it trains, the loss of a batch of view pairs, and what happens after an
 * optimizer step. Variants differ in what they override, never in flags: a method with a target
 * network keeps it in {@link #targetBlocks()} and updates it in {@link #afterStep}; a method with
 * a stop-gradient applies it inside {@link #loss}.
 */
public abstract class SslMethod {

    protected final MethodContext context;
    protected final Block encoder;

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

    /** Blocks saved with the training state but not trained by gradient (EMA targets). */
    public Map<String, Block> targetBlocks() {
        return Map.of();
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

    protected static NDArray forward(Block block, ParameterStore parameters, NDArray input) {
        return block.forward(parameters, new NDList(input), true).singletonOrThrow();
    }
}
