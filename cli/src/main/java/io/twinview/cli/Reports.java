package io.twinview.cli;

import io.twinview.proto.v1.CollapseMonitors;
import io.twinview.proto.v1.EvalReport;
import io.twinview.proto.v1.ProbeScores;

/** An EvalReport as a short table; a failed one as one line with its reason. */
final class Reports {

    private Reports() {}

    static String table(EvalReport r) {
        if (r.getFailed()) {
            return String.format(
                    "evaluation of %s step %d FAILED after %d attempt(s): %s%n  report %s",
                    r.getRunId(), r.getStep(), r.getAttempts(), r.getFailure(), r.getReportId());
        }
        StringBuilder s = new StringBuilder();
        s.append(String.format(
                "evaluation of %s step %d (epoch %.1f), %s encoder, %d-d features%n",
                r.getRunId(), r.getStep(), r.getEpoch(), r.getEncoder(), r.getFeatureDim()));
        s.append(String.format("  fitted on %s (%d images)%n", r.getEvalTrainUri(), r.getTrainSamples()));
        s.append(String.format("  scored on %s (%d images)%n", r.getEvalTestUri(), r.getTestSamples()));
        s.append(String.format(
                "                  k-NN top-1  top-5   linear top-1  top-5   (k=%d, T=%.2f)%n",
                r.getKnnK(), r.getKnnTemperature()));
        s.append(row(r.getMethod() + " (SSL)", r.getSsl()));
        boolean imported = r.getBaseline().startsWith("initial weights");
        s.append(row(imported ? "initial weights" : "random init", r.getRandomInit()));
        if (imported) {
            s.append(String.format("  baseline: %s%n", r.getBaseline()));
        }
        s.append(String.format(
                "  gain over " + (imported ? "initial weights" : "random init")
                        + ": k-NN %+.1f points, linear %+.1f points%n",
                100 * (r.getSsl().getKnnTop1() - r.getRandomInit().getKnnTop1()),
                100 * (r.getSsl().getLinearTop1() - r.getRandomInit().getLinearTop1())));
        if (r.hasTrainingMonitors() && r.getTrainingMonitors().getEmbeddingDim() > 0) {
            CollapseMonitors m = r.getTrainingMonitors();
            s.append(String.format(
                    "  collapse monitors: embedding std %.3f x 1/sqrt(%d), effective rank %.1f%s%n",
                    m.getEmbeddingStdNormalized(),
                    m.getEmbeddingDim(),
                    m.getEffectiveRank(),
                    m.hasPredictorAlignment()
                            ? String.format(", predictor alignment %.3f", m.getPredictorAlignment())
                            : ""));
        }
        if (r.hasFeatureMonitors() && r.getFeatureMonitors().getEmbeddingDim() > 0) {
            CollapseMonitors f = r.getFeatureMonitors();
            s.append(String.format(
                    "  frozen features: std %.3f x 1/sqrt(%d), effective rank %.1f%n",
                    f.getEmbeddingStdNormalized(), f.getEmbeddingDim(), f.getEffectiveRank()));
        }
        for (String warning : r.getWarningsList()) {
            s.append("  WARNING ").append(warning).append(System.lineSeparator());
        }
        s.append(String.format("  report %s (%.1f s)", r.getReportId(), r.getWallSeconds()));
        return s.toString();
    }

    private static String row(String name, ProbeScores p) {
        return String.format(
                "  %-15s %6.1f%%    %6.1f%%    %6.1f%%     %6.1f%%%n",
                name, 100 * p.getKnnTop1(), 100 * p.getKnnTop5(), 100 * p.getLinearTop1(), 100 * p.getLinearTop5());
    }
}
