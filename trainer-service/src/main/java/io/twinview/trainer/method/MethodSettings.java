package io.twinview.trainer.method;

/**
 * Head and loss hyper-parameters, resolved (no zero means "default" any more).
 *
 * @param projectorHiddenDim width of the projector's hidden layer
 * @param projectorOutputDim width of the embedding the loss sees
 * @param temperature softmax temperature of contrastive losses
 */
public record MethodSettings(int projectorHiddenDim, int projectorOutputDim, double temperature) {}
