package io.twinview.trainer.storage;

import com.google.protobuf.util.Timestamps;
import io.twinview.core.storage.ObjectInfo;
import io.twinview.core.storage.ObjectStore;
import io.twinview.proto.v1.Run;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The queue of runs waiting for a trainer, shared by every trainer replica through object storage:
 * one empty object per queued run, {@code queue/<created-at millis, 13 digits>-<run-id>}, so that one
 * listing returns them oldest first (S3 lists keys in order). The run itself is its {@code run.json}
 * (state PENDING); a trainer claims it with the run's lease before it removes the entry. A cancel
 * request is {@code runs/<run-id>/cancel}: the trainer training the run looks for it and stops.
 */
public final class RunQueue {

    private static final String PREFIX = "queue/";

    private final ObjectStore store;

    public RunQueue(ObjectStore store) {
        this.store = store;
    }

    static String key(Run run) {
        return PREFIX + String.format("%013d", Timestamps.toMillis(run.getCreatedAt())) + "-" + run.getRunId();
    }

    public void add(Run run) {
        store.put(key(run), new byte[0], "application/octet-stream");
    }

    public void remove(Run run) {
        store.delete(key(run));
    }

    /** The queued runs' ids, oldest first (created_at, then run id). */
    public List<String> runIds() {
        return store.list(PREFIX, false).stream()
                .map(ObjectInfo::key)
                .map(key -> key.substring(PREFIX.length() + 14))
                .toList();
    }

    static String cancelKey(String runId) {
        return "runs/" + runId + "/cancel";
    }

    public void requestCancel(String runId) {
        store.put(cancelKey(runId), "cancel".getBytes(StandardCharsets.UTF_8), "text/plain");
    }

    public boolean cancelRequested(String runId) {
        return store.exists(cancelKey(runId));
    }
}
