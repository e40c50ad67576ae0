package io.twinview.trainer.method;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.twinview.model.EncoderKind;

/**
 * What a method is built from besides its settings: an initialised encoder, the run's seed and
 * image size, and the manager its own blocks' parameters live in.
 */
public record MethodContext(EncoderKind encoderKind, Block encoder, int imageSize, long seed, NDManager manager) {}
