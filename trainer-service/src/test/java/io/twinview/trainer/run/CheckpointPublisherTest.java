package io.twinview.trainer.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.core.checkpoint.Checkpoint;
import io.twinview.proto.v1.CheckpointEvent;
import io.twinview.proto.v1.CollapseMonitors;
import io.twinview.proto.v1.RunSpec;
import io.twinview.proto.v1.ViewsCursor;
import io.twinview.trainer.train.TrainingState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CheckpointPublisherTest {

    @Test
    void storesTheStateUnderAManifestThenAnnouncesIt() {
        MemoryCheckpoints sink = new MemoryCheckpoints();
        RunSpec spec = RunSpec.newBuilder().setMethod("simclr").setBatchSize(8).build();
        ViewsCursor views = ViewsCursor.newBuilder()
                .setTopic("views")
                .setNextTaskId(3)
                .setPairsTrained(40)
                .build();
        CollapseMonitors monitors =
                CollapseMonitors.newBuilder().setEmbeddingDim(16).build();
        Map<String, Double> metrics = Map.of("loss", 1.5);
        TrainingState state = new TrainingState(new byte[] {1}, new byte[] {2, 2}, new byte[] {3, 3, 3});

        String key = new CheckpointPublisher("run-1", spec, sink)
                .publish(5, 1.25, views, metrics, monitors, state, new byte[] {4}, true);

        Checkpoint stored = sink.byStep.get(5L);
        assertEquals(key, stored.manifestKey(), "the key returned is the stored manifest's");
        assertEquals("run-1", stored.manifest().getRunId());
        assertEquals(1.25, stored.manifest().getEpoch());
        assertEquals(spec, stored.manifest().getSpec(), "the manifest carries the run's spec");
        assertEquals(views, stored.manifest().getViews(), "and where a resumed run reads again");
        assertEquals(metrics, stored.manifest().getMetricsMap());
        assertEquals(monitors, stored.manifest().getMonitors());
        assertTrue(stored.manifest().hasCreatedAt(), "and when it was made");
        assertEquals(
                TrainingState.OBJECTS.size() + 1,
                stored.objects().size(),
                "one object per part of the state, and the sample account");
        assertArrayEquals(state.heads(), stored.object("heads"));
        assertArrayEquals(new byte[] {4}, stored.object("samples"), "the sample account is the \"samples\" object");

        assertEquals(
                List.of(CheckpointEvent.newBuilder()
                        .setRunId("run-1")
                        .setStep(5)
                        .setEpoch(1.25)
                        .setBucket("memory")
                        .setManifestKey(key)
                        .setFinal(true)
                        .putAllMetrics(metrics)
                        .setCreatedAt(stored.manifest().getCreatedAt())
                        .build()),
                sink.events,
                "one event, naming the manifest");
    }
}
