package io.twinview.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;

/** Builds initialised encoders: the same kind, seed and image size give the same weights. */
public final class Encoders {

    private Encoders() {}

    /**
     * A new encoder with weights drawn by {@link SeededInitializer} from the run seed.
     *
     * @param manager owns the parameters (the caller closes it)
     */
    public static Block create(EncoderKind kind, long runSeed, int imageSize, NDManager manager) {
        Block encoder = kind.newBlock();
        initialize(encoder, Seeds.derive(runSeed, "encoder"), new Shape(1, 3, imageSize, imageSize), manager);
        return encoder;
    }

    /**
     * A new encoder with the given weights: built and initialised as {@link #create(EncoderKind, long,
     * int, NDManager)}, then every parameter and BN statistic replaced by the file's
     * ({@link EncoderWeights#load}).
     *
     * @param weights null for the seeded random init
     * @throws IllegalArgumentException naming the first key that is missing, unknown or of another shape
     */
    public static Block create(
            EncoderKind kind, long runSeed, int imageSize, NDManager manager, InitialWeights weights) {
        Block encoder = create(kind, runSeed, imageSize, manager);
        if (weights != null) {
            EncoderWeights.load(kind, encoder, weights.tensors());
        }
        return encoder;
    }

    /** Initialises any block (heads, predictors) from a seed, weights by {@link SeededInitializer}. */
    public static void initialize(Block block, long seed, Shape inputShape, NDManager manager) {
        block.setInitializer(new SeededInitializer(seed), Parameter.Type.WEIGHT);
        block.initialize(manager, DataType.FLOAT32, inputShape);
    }
}
