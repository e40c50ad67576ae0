package io.twinview.trainer.run;

import io.twinview.core.checkpoint.Checkpoint;
import io.twinview.proto.v1.CheckpointEvent;
import io.twinview.proto.v1.CheckpointManifest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Checkpoints kept in memory. Test fake. */
final class MemoryCheckpoints implements CheckpointSink {

    final TreeMap<Long, Checkpoint> byStep = new TreeMap<>();
    final List<CheckpointEvent> events = new ArrayList<>();

    @Override
    public String write(CheckpointManifest manifest, Map<String, byte[]> objects) {
        String key = "mem/" + manifest.getStep();
        byStep.put(manifest.getStep(), new Checkpoint(key, manifest, Map.copyOf(objects)));
        return key;
    }

    @Override
    public void announce(CheckpointEvent event) {
        events.add(event);
    }

    @Override
    public String bucket() {
        return "memory";
    }
}
