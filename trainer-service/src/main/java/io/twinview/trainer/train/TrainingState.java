package io.twinview.trainer.train;

/**
 * Everything needed to continue training, as the objects of a checkpoint.
 *
 * @param encoder the encoder's parameters (what eval loads)
 * @param heads every other block: projector, predictor, target networks, by role
 * @param optimizer the optimizer's buffers
 */
public record TrainingState(byte[] encoder, byte[] heads, byte[] optimizer) {}
