package io.twinview.trainer.run;

import com.google.protobuf.util.Timestamps;
import io.twinview.proto.v1.CheckpointEvent;
import io.twinview.proto.v1.CheckpointManifest;
import io.twinview.proto.v1.CollapseMonitors;
import io.twinview.proto.v1.RunSpec;
import io.twinview.proto.v1.ViewsCursor;
import io.twinview.trainer.train.TrainingState;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Makes one checkpoint of a run public: stores the training state's objects and a manifest naming
 * them (the sink writes the manifest last, so a checkpoint exists only once complete), then
 * announces it on the checkpoints topic for eval-service.
 */
final class CheckpointPublisher {

    private final String runId;
    private final RunSpec spec;
    private final CheckpointSink sink;

    CheckpointPublisher(String runId, RunSpec spec, CheckpointSink sink) {
        this.runId = runId;
        this.spec = spec;
        this.sink = sink;
    }

    /**
     * @param views where a resumed run reads again
     * @param metrics the run's counters ({@link RunCounters#metrics})
     * @param samples the sample account, stored as the "samples" object ({@code SampleCounts})
     * @param last whether this is the run's last checkpoint (the event says so)
     * @return the manifest's key
     */
    String publish(
            long step,
            double epoch,
            ViewsCursor views,
            Map<String, Double> metrics,
            CollapseMonitors monitors,
            TrainingState state,
            byte[] samples,
            boolean last) {
        CheckpointManifest manifest = CheckpointManifest.newBuilder()
                .setRunId(runId)
                .setStep(step)
                .setEpoch(epoch)
                .setSpec(spec)
                .setViews(views)
                .putAllMetrics(metrics)
                .setMonitors(monitors)
                .setCreatedAt(Timestamps.fromMillis(System.currentTimeMillis()))
                .build();
        Map<String, byte[]> objects = new LinkedHashMap<>(state.objects());
        objects.put(RunExecution.SAMPLES, samples);
        String key = sink.write(manifest, objects);
        sink.announce(CheckpointEvent.newBuilder()
                .setRunId(runId)
                .setStep(step)
                .setEpoch(epoch)
                .setBucket(sink.bucket())
                .setManifestKey(key)
                .setFinal(last)
                .putAllMetrics(metrics)
                .setCreatedAt(manifest.getCreatedAt())
                .build());
        return key;
    }
}
