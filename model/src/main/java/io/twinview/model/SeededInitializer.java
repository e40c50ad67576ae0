package io.twinview.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;
import java.util.SplittableRandom;

/**
 * Weight initialisation drawn from a Java RNG, so the initial weights of a seed are the same bits on
 * every engine and device (CPU and CUDA generators differ). Eval relies on this to rebuild the exact
 * random-init encoder a run started from, as its baseline.
 *
 * <p>Convolutions: Kaiming normal, fan-out, ReLU gain, as torchvision's ResNet ({@code
 * kaiming_normal_(mode="fan_out", nonlinearity="relu")}). Linear weights: U(-1/sqrt(fan_in),
 * 1/sqrt(fan_in)), which is what PyTorch's default {@code kaiming_uniform_(a=sqrt(5))} amounts to.
 * Biases start at zero (PyTorch draws them uniformly; zero is the common SSL choice and keeps the
 * initializer independent of the layer a bias belongs to).
 *
 * <p>Parameters are drawn in DJL's initialisation order from one stream, so the same architecture
 * and seed always give the same weights.
 */
public final class SeededInitializer implements Initializer {

    private final SplittableRandom random;

    public SeededInitializer(long seed) {
        this.random = new SplittableRandom(seed);
    }

    @Override
    public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
        int size = Math.toIntExact(shape.size());
        float[] values = new float[size];
        switch (shape.dimension()) {
            case 4 -> {
                // conv weight: (out, in, kh, kw)
                double fanOut = shape.get(0) * shape.get(2) * shape.get(3);
                double std = Math.sqrt(2.0 / fanOut);
                for (int i = 0; i < size; i++) {
                    values[i] = (float) (gaussian() * std);
                }
            }
            case 2 -> {
                // linear weight: (out, in)
                double bound = 1.0 / Math.sqrt(shape.get(1));
                for (int i = 0; i < size; i++) {
                    values[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
                }
            }
            default -> {
                // biases stay zero
            }
        }
        return manager.create(values, shape).toType(dataType, false);
    }

    private double gaussian() {
        // Box-Muller on the seeded stream (java.util.Random#nextGaussian would need a second RNG)
        double u1 = 1.0 - random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }
}
