package io.twinview.trainer.service;

import io.twinview.proto.v1.CheckpointEvent;
import io.twinview.proto.v1.CheckpointManifest;
import io.twinview.trainer.run.CheckpointSink;
import java.util.Map;

/**
 * A {@link CheckpointSink} that writes only while this trainer holds the run: before every
 * checkpoint it confirms the lease (a conditional renewal, {@link RunOwnership#confirm()}), so a
 * trainer another one took the run from throws {@link OwnershipLostException} instead of writing a
 * single object. A confirmed write has the lease's whole ttl ahead of it: a waiter cannot take the
 * run over before that much time without renewals has passed.
 */
final class FencedCheckpointSink implements CheckpointSink {

    private final CheckpointSink sink;
    private final RunOwnership ownership;

    FencedCheckpointSink(CheckpointSink sink, RunOwnership ownership) {
        this.sink = sink;
        this.ownership = ownership;
    }

    @Override
    public String write(CheckpointManifest manifest, Map<String, byte[]> objects) {
        ownership.confirm();
        return sink.write(manifest, objects);
    }

    /** Announced only while the lease is still held (no request: the renewals tell of a loss). */
    @Override
    public void announce(CheckpointEvent event) {
        if (!ownership.held()) {
            throw new OwnershipLostException(ownership.lostReason());
        }
        sink.announce(event);
    }

    @Override
    public String bucket() {
        return sink.bucket();
    }
}
