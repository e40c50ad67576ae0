package io.twinview.eval.embed;

import io.twinview.model.EncoderKind;

/** Which encoder embeds: a run's checkpoint, with what its spec says about the architecture. */
public record EncoderRef(String runId, long step, EncoderKind encoder, long seed, int imageSize) {}
