package io.twinview.model;

import ai.djl.nn.Block;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/** The encoder architectures a run can choose; each maps images (N, 3, H, W) to features (N, D). */
public enum EncoderKind {
    /** Four 3x3 conv blocks (32-64-128-256 channels) with max-pooling: fast enough for CPU runs. */
    SMALL("small", SmallConvNet.FEATURE_DIM, SmallConvNet::build),
    /** ResNet-18 with the CIFAR stem: 3x3 conv, stride 1, no max-pool (He et al. 2016, sec. 4.2). */
    RESNET18("resnet18", ResNet18Cifar.FEATURE_DIM, ResNet18Cifar::build);

    private final String key;
    private final int featureDim;
    private final Supplier<Block> factory;

    EncoderKind(String key, int featureDim, Supplier<Block> factory) {
        this.key = key;
        this.featureDim = featureDim;
        this.factory = factory;
    }

    public String key() {
        return key;
    }

    public int featureDim() {
        return featureDim;
    }

    /** A new, uninitialised encoder block. */
    public Block newBlock() {
        return factory.get();
    }

    public static List<String> keys() {
        return Arrays.stream(values()).map(EncoderKind::key).toList();
    }

    /**
     * @throws IllegalArgumentException naming the value and the allowed keys
     */
    public static EncoderKind fromKey(String key) {
        for (EncoderKind kind : values()) {
            if (kind.key.equals(key)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("encoder '" + key + "' is not known; allowed: " + String.join(", ", keys()));
    }
}
