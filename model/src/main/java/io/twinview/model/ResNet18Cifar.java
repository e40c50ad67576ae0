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
import java.util.List;

/**
 * ResNet-18 (He et al., "Deep Residual Learning for Image Recognition", https://arxiv.org/abs/1512.03385)
 * with the CIFAR stem used throughout the SSL literature (SimCLR appendix B.9, solo-learn): the
 * 7x7/2 conv and the max-pool are replaced by one 3x3/1 conv, so a 32x32 image keeps its
 * resolution into the first stage. Stages of [2, 2, 2, 2] basic blocks with 64, 128, 256, 512
 * channels; 1x1 conv + BN shortcuts where the shape changes; global average pooling to 512.
 */
final class ResNet18Cifar {

    static final int FEATURE_DIM = 512;

    private ResNet18Cifar() {}

    static Block build() {
        SequentialBlock net = new SequentialBlock();
        net.add(conv(64, 3, 1)).add(BatchNorm.builder().build()).add(Activation::relu); // (N, 64, H, W)
        int[] widths = {64, 128, 256, 512};
        int inChannels = 64;
        for (int stage = 0; stage < widths.length; stage++) {
            int stride = stage == 0 ? 1 : 2;
            net.add(basicBlock(widths[stage], stride, inChannels != widths[stage] || stride != 1));
            net.add(basicBlock(widths[stage], 1, false));
            inChannels = widths[stage];
        }
        net.add(Pool.globalAvgPool2dBlock()); // (N, 512)
        net.add(Blocks.batchFlattenBlock());
        return net;
    }

    private static Block basicBlock(int channels, int stride, boolean projectShortcut) {
        SequentialBlock residual = new SequentialBlock()
                .add(conv(channels, 3, stride))
                .add(BatchNorm.builder().build())
                .add(Activation::relu)
                .add(conv(channels, 3, 1))
                .add(BatchNorm.builder().build());
        Block shortcut = projectShortcut
                ? new SequentialBlock()
                        .add(conv(channels, 1, stride))
                        .add(BatchNorm.builder().build())
                : Blocks.identityBlock();
        return new ParallelBlock(
                outputs -> {
                    NDArray sum =
                            outputs.get(0).singletonOrThrow().add(outputs.get(1).singletonOrThrow());
                    return new NDList(Activation.relu(sum));
                },
                List.of(residual, shortcut));
    }

    private static Block conv(int filters, int kernel, int stride) {
        return Conv2d.builder()
                .setKernelShape(new Shape(kernel, kernel))
                .optStride(new Shape(stride, stride))
                .optPadding(new Shape(kernel / 2, kernel / 2))
                .setFilters(filters)
                .optBias(false)
                .build();
    }
}
