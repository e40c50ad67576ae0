package io.twinview.model;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.pooling.Pool;

/**
 * The first layers of a ResNet, before the residual stages: the variant that fits the image size.
 * The layers are added to the network itself (not nested), so a ResNet-18 with the CIFAR stem keeps
 * the parameter layout of the checkpoints written before the stem became a choice.
 */
public enum Stem {
    /**
     * One 3x3/1 conv (pad 1), BN, ReLU, no max-pool: a 32x32 image keeps its resolution into the
     * first stage (He et al. 2016 sec. 4.2; SimCLR appendix B.9; solo-learn's CIFAR setting).
     */
    CIFAR {
        @Override
        void addTo(SequentialBlock net) {
            net.add(ResNet.conv(64, 3, 1)).add(ResNet.batchNorm()).add(Activation::relu); // (N, 64, H, W)
        }
    },
    /** torchvision's stem: 7x7/2 conv (pad 3), BN, ReLU, 3x3/2 max-pool (pad 1); 224 px -> 56 px. */
    IMAGENET {
        @Override
        void addTo(SequentialBlock net) {
            net.add(ResNet.conv(64, 7, 2)).add(ResNet.batchNorm()).add(Activation::relu); // (N, 64, H/2, W/2)
            net.add(Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1))); // (N, 64, H/4, W/4)
        }
    };

    /** Adds the stem's layers to {@code net}: (N, 3, H, W) -> (N, 64, H', W'). */
    abstract void addTo(SequentialBlock net);
}
