package io.twinview.trainer.optim;

/**
 * A run's optimizer, resolved.
 *
 * @param name sgd, lars, adam or adamw
 * @param peakLearningRate the rate at the end of warmup, after any batch scaling
 * @param weightDecay applied to weights, never to biases or batch-norm parameters
 * @param trustCoefficient LARS's eta
 */
public record OptimizerConfig(
        String name, double peakLearningRate, double momentum, double weightDecay, double trustCoefficient) {}
