package io.twinview.eval.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.util.Timestamps;
import io.twinview.core.checkpoint.CheckpointMetrics;
import io.twinview.core.data.Datasets;
import io.twinview.core.data.ImageDataset;
import io.twinview.core.monitor.CollapseMonitor;
import io.twinview.eval.probe.Evaluator;
import io.twinview.eval.probe.Scores;
import io.twinview.model.EncoderKind;
import io.twinview.proto.v1.CheckpointManifest;
import io.twinview.proto.v1.CollapseMonitors;
import io.twinview.proto.v1.EvalReport;
import io.twinview.proto.v1.ProbeScores;
import io.twinview.proto.v1.RunSpec;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class ReportMapperTest {

    private static final CollapseMonitor.Reading HEALTHY =
            new CollapseMonitor.Reading(0.08, 0.9, 40.0, 128, OptionalDouble.empty(), "");
    private static final CollapseMonitor.Reading COLLAPSED = new CollapseMonitor.Reading(
            0.001, 0.01, 1.1, 128, OptionalDouble.empty(), "COLLAPSE: embeddings have std 0.0010");

    @Test
    void aFailedReportOfAnUnresolvedCheckpointHasOneIdPerStepAndTheReason() {
        EvalReport failed = ReportMapper.failed("run-1", 40, null, 200, "the final checkpoint was deleted", 1, 5_000);

        assertEquals(ReportId.of("run-1", 40, "", "", 200).toString(), failed.getReportId(), "empty sets, default k");
        assertEquals(ReportId.parse(failed.getReportId()).orElseThrow().step(), 40, "a report id GetReport accepts");
        assertEquals(true, failed.getFailed(), "marked failed");
        assertEquals("the final checkpoint was deleted", failed.getFailure(), "with the reason");
        assertEquals(1, failed.getAttempts(), "and its tries");
        assertEquals("runs/run-1/checkpoints/0000000040/manifest.json", failed.getCheckpointManifestKey(), "naming it");
        assertEquals(false, failed.hasSsl(), "no scores");
        assertEquals(5, failed.getCreatedAt().getSeconds(), "created when stored");
    }

    @Test
    void aHealthyCheckpointHasNoWarnings() {
        assertEquals(
                List.of(),
                ReportMapper.warnings(
                        CheckpointManifest.newBuilder().setStep(40).build(), HEALTHY),
                "nothing flagged, nothing collapsed, no skipped steps");
    }

    @Test
    void warningsNameTheTrainersFlagCollapsedFeaturesAndSkippedSteps() {
        CheckpointManifest manifest = CheckpointManifest.newBuilder()
                .setStep(40)
                .setMonitors(CollapseMonitors.newBuilder().setStep(36).setWarning("COLLAPSE: effective rank 1.02"))
                .putMetrics(CheckpointMetrics.NON_FINITE_STEPS, 3)
                .build();

        assertEquals(
                List.of(
                        "COLLAPSE: effective rank 1.02 (trainer, step 36)",
                        "COLLAPSE: embeddings have std 0.0010 (frozen encoder features of the test set)",
                        "3 training steps had a NaN or infinite loss and were skipped"),
                ReportMapper.warnings(manifest, COLLAPSED),
                "the trainer's warning with its step, then eval's own, then the NaN steps");
    }

    @Test
    void theReportCarriesTheRequestTheCheckpointAndBothProbes() {
        ImageDataset train = Datasets.open("synthetic:?n=16&split=train");
        ImageDataset test = Datasets.open("synthetic:?n=8&split=test");
        CheckpointManifest manifest = CheckpointManifest.newBuilder()
                .setRunId("map-run")
                .setStep(40)
                .setEpoch(2.5)
                .setSpec(RunSpec.newBuilder().setMethod("byol").setEncoder("small"))
                .setMonitors(CollapseMonitors.newBuilder().setStep(40).setEffectiveRank(30))
                .build();
        ResolvedRequest resolved = new ResolvedRequest(
                ReportId.of("map-run", 40, train.uri(), test.uri(), 5),
                "runs/map-run/checkpoints/0000000040/manifest.json",
                manifest,
                EncoderKind.SMALL,
                train,
                test,
                5);
        Evaluator.Outcome outcome = new Evaluator.Outcome(
                new Scores(0.5, 0.9, 0.6, 0.95),
                new Scores(0.2, 0.6, 0.25, 0.7),
                1e-3,
                128,
                16,
                8,
                5,
                0.07,
                false,
                1.5,
                HEALTHY,
                "random init (seed 3)");

        EvalReport report = ReportMapper.toReport(resolved, outcome, 2.25, 1_700_000_000_000L);

        assertEquals(resolved.id().toString(), report.getReportId(), "the id of the request");
        assertEquals("map-run", report.getRunId());
        assertEquals("random init (seed 3)", report.getBaseline(), "the outcome's baseline label");
        assertEquals(40, report.getStep());
        assertEquals(2.5, report.getEpoch(), "the checkpoint's epoch");
        assertEquals("byol", report.getMethod(), "the run's method");
        assertEquals("small", report.getEncoder());
        assertEquals(resolved.manifestKey(), report.getCheckpointManifestKey());
        assertEquals(train.uri(), report.getEvalTrainUri());
        assertEquals(test.uri(), report.getEvalTestUri());
        assertEquals(16, report.getTrainSamples());
        assertEquals(8, report.getTestSamples());
        assertEquals(128, report.getFeatureDim());
        assertEquals(5, report.getKnnK(), "the k the probe used");
        assertEquals(0.07, report.getKnnTemperature());
        assertEquals(
                ProbeScores.newBuilder()
                        .setKnnTop1(0.5)
                        .setKnnTop5(0.9)
                        .setLinearTop1(0.6)
                        .setLinearTop5(0.95)
                        .build(),
                report.getSsl(),
                "the checkpoint's scores");
        assertEquals(
                new Scores(0.2, 0.6, 0.25, 0.7),
                ReportMapper.scores(report.getRandomInit()),
                "the random-init baseline, read back as a stored report seeds the cache");
        assertEquals(1e-3, report.getLinearL2());
        assertEquals(2.25, report.getWallSeconds());
        assertEquals(1_700_000_000_000L, Timestamps.toMillis(report.getCreatedAt()), "when it was made");
        assertEquals(manifest.getMonitors(), report.getTrainingMonitors(), "the trainer's monitors at the checkpoint");
        assertEquals(HEALTHY.toProto(40), report.getFeatureMonitors(), "eval's own monitors, at the checkpoint's step");
        assertEquals(List.of(), report.getWarningsList());
    }
}
