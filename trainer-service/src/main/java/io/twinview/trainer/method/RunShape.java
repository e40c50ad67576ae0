package io.twinview.trainer.method;

import io.twinview.model.EncoderKind;

/**
 * What a method's settings are resolved and checked against: a projector's default width is the
 * encoder's, a MoCo queue must hold whole batches.
 *
 * @param encoder the run's encoder
 * @param batchSize pairs per optimizer step
 */
public record RunShape(EncoderKind encoder, int batchSize) {}
