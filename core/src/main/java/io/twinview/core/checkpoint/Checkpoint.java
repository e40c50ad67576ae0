package io.twinview.core.checkpoint;

import io.twinview.proto.v1.CheckpointManifest;
import java.util.Map;

/**
 * A complete, verified checkpoint.
 *
 * @param objects the objects that were read, by name ("encoder", "heads", "optimizer"), each
 *     matching its sha256 in the manifest
 */
public record Checkpoint(String manifestKey, CheckpointManifest manifest, Map<String, byte[]> objects) {

    public byte[] object(String name) {
        byte[] data = objects.get(name);
        if (data == null) {
            throw new IllegalArgumentException(
                    "checkpoint " + manifestKey + " was read without object '" + name + "'; read: " + objects.keySet());
        }
        return data;
    }
}
