package io.twinview.trainer.method;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.twinview.model.EncoderKind;

/**
 * What a method is built from: an initialised encoder, the settings it was resolved with, and the
 * manager its own blocks' parameters live in.
 */
public record MethodContext(
        EncoderKind encoderKind,
        Block encoder,
        int imageSize,
        long seed,
        MethodSettings settings,
        NDManager manager) {}
