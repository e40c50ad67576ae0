package io.twinview.model;

import ai.djl.nn.Block;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * The encoder architectures a run can choose; each maps images (N, 3, H, W) to features (N, D).
 *
 * <p>A request may name an explicit key ({@code resnet18-cifar}) or an automatic one ({@code resnet18},
 * {@code resnet50}) whose stem {@link #resolve} picks from the image size. A resolved spec always
 * records the explicit key, so a run rebuilds the same encoder from its manifest whatever the
 * automatic rule becomes.
 */
public enum EncoderKind {
    /** Four 3x3 conv blocks (32-64-128-256 channels) with max-pooling: fast enough for CPU runs. */
    SMALL("small", SmallConvNet.FEATURE_DIM, SmallConvNet::build),
    /** ResNet-18 with the CIFAR stem (3x3/1 conv, no max-pool), for 32 px images. */
    RESNET18_CIFAR("resnet18-cifar", ResNet.RESNET18, Stem.CIFAR),
    /** ResNet-18 with torchvision's ImageNet stem (7x7/2 conv, 3x3/2 max-pool), for 64 to 224 px. */
    RESNET18_IMAGENET("resnet18-imagenet", ResNet.RESNET18, Stem.IMAGENET),
    /** ResNet-50 (bottleneck blocks) with the CIFAR stem. */
    RESNET50_CIFAR("resnet50-cifar", ResNet.RESNET50, Stem.CIFAR),
    /** ResNet-50 (bottleneck blocks) with torchvision's ImageNet stem: torchvision's resnet50 without fc. */
    RESNET50_IMAGENET("resnet50-imagenet", ResNet.RESNET50, Stem.IMAGENET);

    /**
     * From this image size on, {@code resnet18} and {@code resnet50} take the ImageNet stem. Its 4x
     * downsampling leaves the last stage 1x1 at 32 px (nothing left to pool; the SSL literature uses
     * the CIFAR stem there), 2x2 at 64 px, 3x3 at STL-10's 96 px and 7x7 at 224 px, where it was
     * designed; the CIFAR stem at 96 px and above costs 16x the compute of the ImageNet one.
     */
    public static final int IMAGENET_STEM_FROM_PX = 64;

    private static final List<String> AUTOMATIC = List.of("resnet18", "resnet50");

    private final String key;
    private final int featureDim;
    private final Supplier<Block> factory;
    private final ResNet resNet;
    private final Stem stem;

    EncoderKind(String key, int featureDim, Supplier<Block> factory) {
        this.key = key;
        this.featureDim = featureDim;
        this.factory = factory;
        this.resNet = null;
        this.stem = null;
    }

    EncoderKind(String key, ResNet resNet, Stem stem) {
        this.key = key;
        this.featureDim = resNet.featureDim();
        this.factory = () -> resNet.build(stem);
        this.resNet = resNet;
        this.stem = stem;
    }

    /** The explicit key a resolved spec records. */
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

    /** The ResNet depth, or null for the small ConvNet. */
    ResNet resNet() {
        return resNet;
    }

    /** The ResNet stem, or null for the small ConvNet. */
    Stem stem() {
        return stem;
    }

    /** Every key a request may name: the explicit ones and the automatic {@code resnet18}, {@code resnet50}. */
    public static List<String> keys() {
        List<String> keys =
                new ArrayList<>(Arrays.stream(values()).map(EncoderKind::key).toList());
        keys.addAll(1, AUTOMATIC);
        return keys;
    }

    /**
     * The encoder a request names, at the image size it trains on: an automatic key takes the CIFAR
     * stem below {@value #IMAGENET_STEM_FROM_PX} px and the ImageNet stem from there on.
     *
     * @throws IllegalArgumentException naming the value and the allowed keys
     */
    public static EncoderKind resolve(String key, int imageSize) {
        if (AUTOMATIC.contains(key)) {
            String stem = imageSize < IMAGENET_STEM_FROM_PX ? "-cifar" : "-imagenet";
            return explicit(key + stem);
        }
        return explicit(key);
    }

    /**
     * The encoder a stored (resolved) spec names. Specs written before the stem became a choice say
     * {@code resnet18}, which then always meant the CIFAR stem, at any image size.
     *
     * @throws IllegalArgumentException naming the value and the allowed keys
     */
    public static EncoderKind stored(String key) {
        return explicit(key.equals("resnet18") ? RESNET18_CIFAR.key : key);
    }

    private static EncoderKind explicit(String key) {
        for (EncoderKind kind : values()) {
            if (kind.key.equals(key)) {
                return kind;
            }
        }
        throw new IllegalArgumentException("encoder '" + key + "' is not known; allowed: " + String.join(", ", keys()));
    }
}
