package io.twinview.cli;

import io.twinview.proto.v1.EvalReport;
import io.twinview.proto.v1.RunSpec;

/** The JSON line of demo (wall_s is added last, once everything has stopped). */
final class Results {

    private Results() {}

    static JsonLine json(Training.Result result, EvalReport report, String checkpoint) {
        RunSpec spec = result.run().getSpec();
        JsonLine json = new JsonLine()
                .put("run_id", result.run().getRunId())
                .put("method", spec.getMethod())
                .put("encoder", spec.getEncoder())
                .put("dataset", spec.getDatasetUri())
                .put("epochs", spec.getEpochs())
                .put("batch_size", spec.getBatchSize())
                .put("steps", result.last().getStep())
                .put("checkpoint", checkpoint)
                .put("eval_train", report.getEvalTrainUri())
                .put("eval_test", report.getEvalTestUri())
                .put("knn_k", report.getKnnK());
        return scores(json, report)
                .put("train_pairs_per_s", result.pairsPerSecond())
                .put("input_wait_fraction", result.last().getInputWaitFraction())
                .put("train_s", result.last().getElapsedSeconds());
    }

    /** The report's scores, as fractions in [0, 1]. */
    static JsonLine scores(JsonLine json, EvalReport report) {
        return json.put("knn_top1", report.getSsl().getKnnTop1())
                .put("knn_top5", report.getSsl().getKnnTop5())
                .put("linear_top1", report.getSsl().getLinearTop1())
                .put("linear_top5", report.getSsl().getLinearTop5())
                .put("random_knn_top1", report.getRandomInit().getKnnTop1())
                .put("random_linear_top1", report.getRandomInit().getLinearTop1())
                .put("baseline", report.getBaseline());
    }

    /** Where a checkpoint's manifest is, as an S3 URI. */
    static String checkpointUri(String manifestKey) {
        return "s3://" + Pipeline.BUCKET + "/" + manifestKey;
    }
}
