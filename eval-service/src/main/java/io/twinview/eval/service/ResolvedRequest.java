package io.twinview.eval.service;

import io.twinview.core.data.ImageDataset;
import io.twinview.model.EncoderKind;
import io.twinview.proto.v1.CheckpointManifest;

/**
 * An evaluation request with everything resolved: the checkpoint (its manifest read, its objects
 * present), the encoder it holds, the labelled sets opened and k. {@code id} names its report.
 */
record ResolvedRequest(
        ReportId id,
        String manifestKey,
        CheckpointManifest manifest,
        EncoderKind encoder,
        ImageDataset train,
        ImageDataset test,
        int k) {}
