package io.twinview.trainer.storage;

import io.twinview.core.checkpoint.ProtoJson;
import io.twinview.core.storage.ObjectStore;
import io.twinview.proto.v1.Run;
import java.util.List;
import java.util.Optional;

/**
 * {@code runs/<run-id>/run.json}: what the trainer knows of a run beyond its checkpoints (spec,
 * state, creation time), so a restarted trainer can list runs and resume one left RUNNING.
 */
public final class RunRecords {

    private final ObjectStore store;

    public RunRecords(ObjectStore store) {
        this.store = store;
    }

    static String key(String runId) {
        return "runs/" + runId + "/run.json";
    }

    public void save(Run run) {
        store.put(key(run.getRunId()), ProtoJson.toJson(run), "application/json");
    }

    public Optional<Run> find(String runId) {
        String key = key(runId);
        return store.find(key)
                .map(json -> ProtoJson.parse(json, Run.newBuilder(), key).build());
    }

    public List<Run> all() {
        return store.listPrefixes("runs/").stream()
                .map(prefix -> prefix.substring("runs/".length()).replace("/", ""))
                .map(this::find)
                .flatMap(Optional::stream)
                .toList();
    }
}
