package io.twinview.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import java.util.ArrayList;
import java.util.List;

/**
 * ResNet (He et al., "Deep Residual Learning for Image Recognition", https://arxiv.org/abs/1512.03385)
 * in torchvision's layout (v1.5: a bottleneck strides in its 3x3 conv), without the fc: a {@link Stem},
 * four stages of 64, 128, 256, 512 base channels, 1x1 conv + BN shortcuts where the shape changes,
 * global average pooling to 512 x expansion features. Convs have no bias; BN has eps 1e-5 and
 * momentum 0.1 in torch's sense (DJL 0.9); the last BN of a block starts at gamma 1 (torchvision's
 * {@code zero_init_residual} is off by default).
 */
public enum ResNet {
    /** Two basic blocks (3x3, 3x3) per stage: 512 features. */
    RESNET18(Residual.BASIC, 2, 2, 2, 2),
    /** Bottleneck blocks (1x1, 3x3, 1x1 with expansion 4), 3-4-6-3 per stage: 2048 features. */
    RESNET50(Residual.BOTTLENECK, 3, 4, 6, 3);

    private static final int[] WIDTHS = {64, 128, 256, 512};

    private final Residual residual;
    private final int[] blocks;

    ResNet(Residual residual, int... blocks) {
        this.residual = residual;
        this.blocks = blocks;
    }

    public int featureDim() {
        return WIDTHS[WIDTHS.length - 1] * residual.expansion;
    }

    /** A new, uninitialised encoder: (N, 3, H, W) -> (N, featureDim). */
    Block build(Stem stem) {
        SequentialBlock net = new SequentialBlock();
        stem.addTo(net);
        int inChannels = 64;
        for (int stage = 0; stage < WIDTHS.length; stage++) {
            int out = WIDTHS[stage] * residual.expansion;
            for (int b = 0; b < blocks[stage]; b++) {
                int stride = stride(stage, b);
                net.add(residual.block(WIDTHS[stage], stride, projects(inChannels, out, stride)));
                inChannels = out;
            }
        }
        net.add(Pool.globalAvgPool2dBlock()); // (N, C)
        net.add(Blocks.batchFlattenBlock());
        return net;
    }

    /**
     * torchvision's modules with parameters, in {@code state_dict} order, which is also the order of
     * this encoder's DJL parameters: conv1, bn1, then per block conv1, bn1, conv2, bn2[, conv3, bn3][,
     * downsample.0 (conv), downsample.1 (BN)].
     */
    List<TorchvisionNames.Module> torchvisionModules() {
        List<TorchvisionNames.Module> modules = new ArrayList<>();
        modules.add(TorchvisionNames.Module.conv("conv1"));
        modules.add(TorchvisionNames.Module.batchNorm("bn1"));
        int inChannels = 64;
        for (int stage = 0; stage < WIDTHS.length; stage++) {
            int out = WIDTHS[stage] * residual.expansion;
            for (int b = 0; b < blocks[stage]; b++) {
                String prefix = "layer" + (stage + 1) + "." + b + ".";
                for (int c = 1; c <= residual.convs; c++) {
                    modules.add(TorchvisionNames.Module.conv(prefix + "conv" + c));
                    modules.add(TorchvisionNames.Module.batchNorm(prefix + "bn" + c));
                }
                if (projects(inChannels, out, stride(stage, b))) {
                    modules.add(TorchvisionNames.Module.conv(prefix + "downsample.0"));
                    modules.add(TorchvisionNames.Module.batchNorm(prefix + "downsample.1"));
                }
                inChannels = out;
            }
        }
        return modules;
    }

    private static int stride(int stage, int block) {
        return stage > 0 && block == 0 ? 2 : 1;
    }

    /** A 1x1 conv + BN shortcut where the block changes the shape; the identity elsewhere. */
    private static boolean projects(int inChannels, int outChannels, int stride) {
        return inChannels != outChannels || stride != 1;
    }

    /** The two residual block designs; the parameter order of each is torchvision's. */
    enum Residual {
        /** conv3x3(stride)-BN-ReLU-conv3x3-BN, plus the shortcut, then ReLU. */
        BASIC(1, 2) {
            @Override
            SequentialBlock branch(int width, int stride) {
                return new SequentialBlock()
                        .add(conv(width, 3, stride))
                        .add(batchNorm())
                        .add(Activation::relu)
                        .add(conv(width, 3, 1))
                        .add(batchNorm());
            }
        },
        /** conv1x1-BN-ReLU-conv3x3(stride)-BN-ReLU-conv1x1(4 x width)-BN, plus the shortcut, then ReLU. */
        BOTTLENECK(4, 3) {
            @Override
            SequentialBlock branch(int width, int stride) {
                return new SequentialBlock()
                        .add(conv(width, 1, 1))
                        .add(batchNorm())
                        .add(Activation::relu)
                        .add(conv(width, 3, stride))
                        .add(batchNorm())
                        .add(Activation::relu)
                        .add(conv(width * 4, 1, 1))
                        .add(batchNorm());
            }
        };

        final int expansion;
        /** Convs (and so BNs) in the residual branch. */
        final int convs;

        Residual(int expansion, int convs) {
            this.expansion = expansion;
            this.convs = convs;
        }

        abstract SequentialBlock branch(int width, int stride);

        Block block(int width, int stride, boolean projectShortcut) {
            Block shortcut = projectShortcut
                    ? new SequentialBlock()
                            .add(conv(width * expansion, 1, stride))
                            .add(batchNorm())
                    : Blocks.identityBlock();
            return new ParallelBlock(
                    outputs -> {
                        NDArray sum = outputs.get(0)
                                .singletonOrThrow()
                                .add(outputs.get(1).singletonOrThrow());
                        return new NDList(Activation.relu(sum));
                    },
                    List.of(branch(width, stride), shortcut));
        }
    }

    static Block conv(int filters, int kernel, int stride) {
        return Conv2d.builder()
                .setKernelShape(new Shape(kernel, kernel))
                .optStride(new Shape(stride, stride))
                .optPadding(new Shape(kernel / 2, kernel / 2))
                .setFilters(filters)
                .optBias(false)
                .build();
    }

    /** torch's BatchNorm2d defaults: eps 1e-5, running stats updated with 0.1 of the batch (DJL momentum 0.9). */
    static Block batchNorm() {
        return BatchNorm.builder().optEpsilon(1e-5f).optMomentum(0.9f).build();
    }
}
