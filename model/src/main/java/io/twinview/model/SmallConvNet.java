package io.twinview.model;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import java.util.ArrayList;
import java.util.List;

/**
 * A small ConvNet for CPU runs and tests: four conv3x3-BN-ReLU stages of 32, 64, 128 and 256
 * channels, 2x2 max-pooling between stages, global average pooling. About 15 M multiply-adds per
 * 32x32 image (ResNet-18 with the CIFAR stem: about 560 M).
 */
final class SmallConvNet {

    static final int FEATURE_DIM = 256;

    private SmallConvNet() {}

    static Block build() {
        SequentialBlock net = new SequentialBlock();
        int[] widths = {32, 64, 128, 256};
        for (int stage = 0; stage < widths.length; stage++) {
            if (stage > 0) {
                net.add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2))); // (N, C, H/2, W/2)
            }
            net.add(Conv2d.builder()
                            .setKernelShape(new Shape(3, 3))
                            .optPadding(new Shape(1, 1))
                            .setFilters(widths[stage])
                            .optBias(false)
                            .build())
                    .add(BatchNorm.builder().build())
                    .add(Activation::relu);
        }
        net.add(Pool.globalAvgPool2dBlock()); // (N, 256, 1, 1) -> (N, 256)
        net.add(Blocks.batchFlattenBlock());
        return net;
    }

    /** Our own torch-style names (no torchvision counterpart): stage1.conv, stage1.bn, ... stage4.bn. */
    static List<TorchvisionNames.Module> modules() {
        List<TorchvisionNames.Module> modules = new ArrayList<>();
        for (int stage = 1; stage <= 4; stage++) {
            modules.add(TorchvisionNames.Module.conv("stage" + stage + ".conv"));
            modules.add(TorchvisionNames.Module.batchNorm("stage" + stage + ".bn"));
        }
        return modules;
    }
}
