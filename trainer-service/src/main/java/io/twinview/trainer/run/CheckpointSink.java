package io.twinview.trainer.run;

import io.twinview.proto.v1.CheckpointEvent;
import io.twinview.proto.v1.CheckpointManifest;
import java.util.Map;

/** Where checkpoints are stored and announced. */
public interface CheckpointSink {

    /** Stores the objects, then the manifest; returns the manifest's key. */
    String write(CheckpointManifest manifest, Map<String, byte[]> objects);

    /** Tells the world (eval-service) that a checkpoint is complete. */
    void announce(CheckpointEvent event);

    String bucket();
}
