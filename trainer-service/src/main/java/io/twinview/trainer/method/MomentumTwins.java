package io.twinview.trainer.method;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import io.twinview.model.Encoders;
import io.twinview.model.Seeds;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Frozen twins of online blocks that follow them by an exponential moving average after every
 * optimizer step, {@code twin = tau twin + (1 - tau) online} ({@link Ema}): MoCo's key network
 * (He et al. 2020, constant m) and the target network of BYOL and DirectPred (Grill et al. 2020,
 * tau on a cosine to 1). A twin starts as an exact copy of its online block, no gradient reaches it,
 * and its batch-norm running statistics are its own, updated by its training-mode forwards, as in
 * the MoCo and BYOL code.
 */
final class MomentumTwins {

    private record Pair(Block twin, Block online) {}

    private final TauSchedule tau;
    private final Map<String, Block> twins = new LinkedHashMap<>();
    private final List<Pair> pairs = new ArrayList<>();

    MomentumTwins(TauSchedule tau) {
        this.tau = tau;
    }

    /** A twin of the run's encoder, saved under {@code role}. */
    Block encoder(String role, MethodContext context) {
        Block twin = context.encoderKind().newBlock();
        Encoders.initialize(
                twin,
                Seeds.derive(context.seed(), role),
                new Shape(1, 3, context.imageSize(), context.imageSize()),
                context.manager());
        return add(role, twin, context.encoder());
    }

    /**
     * A twin of a head, saved under {@code role}.
     *
     * @param twin a new, uninitialised block of the online head's architecture
     * @param inputDim the width of the head's input
     */
    Block head(String role, Block online, Block twin, int inputDim, MethodContext context) {
        return add(role, Heads.initialized(twin, context, role, inputDim), online);
    }

    private Block add(String role, Block twin, Block online) {
        Ema.copy(twin, online);
        if (twins.put(role, twin) != null) {
            throw new IllegalArgumentException("two twins named " + role);
        }
        pairs.add(new Pair(twin, online));
        return twin;
    }

    /** The twins by role, in the order they were made: saved with the checkpoint, never trained. */
    Map<String, Block> blocks() {
        return new LinkedHashMap<>(twins);
    }

    /**
     * The moving average after optimizer step {@code step} (counting from 1), with tau at
     * k = step - 1: the first update uses tau_0 (k counts from 0 in BYOL).
     */
    void update(long step, long totalSteps) {
        double rate = tau.at(step - 1, totalSteps);
        for (Pair pair : pairs) {
            Ema.update(pair.twin(), pair.online(), rate);
        }
    }
}
