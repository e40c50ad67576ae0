package io.twinview.eval.service;

import com.google.protobuf.util.Timestamps;
import io.twinview.core.checkpoint.CheckpointKeys;
import io.twinview.core.checkpoint.CheckpointMetrics;
import io.twinview.core.monitor.CollapseMonitor;
import io.twinview.eval.probe.Evaluator;
import io.twinview.eval.probe.Scores;
import io.twinview.proto.v1.CheckpointManifest;
import io.twinview.proto.v1.EvalReport;
import io.twinview.proto.v1.ProbeScores;
import io.twinview.proto.v1.RunSpec;
import java.util.ArrayList;
import java.util.List;

/** The probes' outcome on a resolved request as the EvalReport contract, with the warnings a reader must see. */
final class ReportMapper {

    private ReportMapper() {}

    /**
     * @param wallSeconds   how long the evaluation took, stored in the report
     * @param createdAtMillis when the report was made, milliseconds since the Unix epoch
     */
    static EvalReport toReport(
            ResolvedRequest resolved, Evaluator.Outcome outcome, double wallSeconds, long createdAtMillis) {
        ReportId id = resolved.id();
        RunSpec spec = resolved.manifest().getSpec();
        return EvalReport.newBuilder()
                .setReportId(id.toString())
                .setRunId(id.runId())
                .setStep(id.step())
                .setEpoch(resolved.manifest().getEpoch())
                .setMethod(spec.getMethod())
                .setEncoder(resolved.encoder().key())
                .setCheckpointManifestKey(resolved.manifestKey())
                .setEvalTrainUri(resolved.train().uri())
                .setEvalTestUri(resolved.test().uri())
                .setTrainSamples(outcome.trainSamples())
                .setTestSamples(outcome.testSamples())
                .setFeatureDim(outcome.featureDim())
                .setKnnK(outcome.k())
                .setKnnTemperature(outcome.temperature())
                .setSsl(toProto(outcome.ssl()))
                .setRandomInit(toProto(outcome.randomInit()))
                .setBaseline(outcome.baseline())
                .setLinearL2(outcome.linearL2())
                .setWallSeconds(wallSeconds)
                .setCreatedAt(Timestamps.fromMillis(createdAtMillis))
                .setTrainingMonitors(resolved.manifest().getMonitors())
                .setFeatureMonitors(
                        outcome.featureMonitors().toProto(resolved.manifest().getStep()))
                .addAllWarnings(warnings(resolved.manifest(), outcome.featureMonitors()))
                .build();
    }

    /**
     * The report of a checkpoint that could not be evaluated: no scores, {@code failed} with the
     * reason. With the request resolved it has that request's id and names its sets; without (the
     * checkpoint unreadable or gone), the id hashes empty sets and the default k, one id per step.
     *
     * @param resolved the request as resolved by the last attempt, or null when none got that far
     */
    static EvalReport failed(
            String runId,
            long step,
            ResolvedRequest resolved,
            int defaultK,
            String failure,
            int attempts,
            long createdAtMillis) {
        EvalReport.Builder report = EvalReport.newBuilder()
                .setRunId(runId)
                .setStep(step)
                .setFailed(true)
                .setFailure(failure)
                .setAttempts(attempts)
                .setCreatedAt(Timestamps.fromMillis(createdAtMillis));
        if (resolved == null) {
            return report.setReportId(ReportId.of(runId, step, "", "", defaultK).toString())
                    .setCheckpointManifestKey(CheckpointKeys.manifestKey(runId, step))
                    .setKnnK(defaultK)
                    .build();
        }
        RunSpec spec = resolved.manifest().getSpec();
        return report.setReportId(resolved.id().toString())
                .setEpoch(resolved.manifest().getEpoch())
                .setMethod(spec.getMethod())
                .setEncoder(resolved.encoder().key())
                .setCheckpointManifestKey(resolved.manifestKey())
                .setEvalTrainUri(resolved.train().uri())
                .setEvalTestUri(resolved.test().uri())
                .setKnnK(resolved.k())
                .build();
    }

    /** What the trainer flagged at this checkpoint (collapse, skipped NaN steps), and collapsed frozen features. */
    static List<String> warnings(CheckpointManifest manifest, CollapseMonitor.Reading features) {
        List<String> warnings = new ArrayList<>();
        if (!manifest.getMonitors().getWarning().isEmpty()) {
            warnings.add(manifest.getMonitors().getWarning() + " (trainer, step "
                    + manifest.getMonitors().getStep() + ")");
        }
        if (features.collapsed()) {
            warnings.add(features.warning() + " (frozen encoder features of the test set)");
        }
        double nonFinite = manifest.getMetricsOrDefault(CheckpointMetrics.NON_FINITE_STEPS, 0);
        if (nonFinite > 0) {
            warnings.add(String.format("%.0f training steps had a NaN or infinite loss and were skipped", nonFinite));
        }
        return warnings;
    }

    /** The random-init scores of a stored report, to seed the baseline cache with. */
    static Scores scores(ProbeScores scores) {
        return new Scores(scores.getKnnTop1(), scores.getKnnTop5(), scores.getLinearTop1(), scores.getLinearTop5());
    }

    private static ProbeScores toProto(Scores scores) {
        return ProbeScores.newBuilder()
                .setKnnTop1(scores.knnTop1())
                .setKnnTop5(scores.knnTop5())
                .setLinearTop1(scores.linearTop1())
                .setLinearTop5(scores.linearTop5())
                .build();
    }
}
