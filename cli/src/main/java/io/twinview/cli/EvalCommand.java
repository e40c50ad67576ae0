package io.twinview.cli;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.twinview.proto.v1.EvalReport;
import io.twinview.proto.v1.EvalServiceGrpc;
import io.twinview.proto.v1.EvaluateRequest;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Probes a checkpoint through the eval-service of a running pipeline. */
@Command(
        name = "eval",
        mixinStandardHelpOptions = true,
        description =
                "Evaluate a run's checkpoint (k-NN and linear probes vs the run's initial encoder: its random init or imported weights).")
final class EvalCommand implements Callable<Integer> {

    @Option(names = "--run-id", required = true, description = "the run to evaluate")
    String runId;

    @Option(names = "--step", defaultValue = "0", description = "checkpoint step (default: the newest)")
    long step;

    @Option(names = "--eval-train", description = "labelled set the probes are fitted on (default: the run's)")
    String evalTrain;

    @Option(names = "--eval-test", description = "labelled set the probes are scored on (default: the run's)")
    String evalTest;

    @Option(names = "--knn-k", defaultValue = "0", description = "k of the k-NN probe (default: the service's, 200)")
    int knnK;

    @Option(
            names = "--eval",
            defaultValue = "127.0.0.1:9102",
            description = "eval-service gRPC address (default: ${DEFAULT-VALUE})")
    String eval;

    @Mixin
    ConnectionFlags connection;

    @Option(names = "--json", description = "end with one line of JSON holding the scores")
    boolean json;

    @Override
    public Integer call() {
        long start = System.nanoTime();
        Console console = new Console(json);
        ManagedChannel channel = Grpc.channel(eval, connection.access(TwinviewCli.home()));
        try {
            EvaluateRequest.Builder request =
                    EvaluateRequest.newBuilder().setRunId(runId).setStep(step).setKnnK(knnK);
            if (evalTrain != null) {
                request.setEvalTrainUri(RunFlags.absolute(evalTrain));
            }
            if (evalTest != null) {
                request.setEvalTestUri(RunFlags.absolute(evalTest));
            }
            EvalReport report = EvalServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(60, TimeUnit.MINUTES)
                    .evaluate(request.build());
            console.info(Reports.table(report));
            if (json) {
                JsonLine line = new JsonLine()
                        .put("run_id", report.getRunId())
                        .put("step", report.getStep())
                        .put("report_id", report.getReportId())
                        .put("checkpoint", Results.checkpointUri(report.getCheckpointManifestKey()))
                        .put("eval_train", report.getEvalTrainUri())
                        .put("eval_test", report.getEvalTestUri())
                        .put("knn_k", report.getKnnK());
                console.json(Results.scores(line, report)
                        .put("wall_s", (System.nanoTime() - start) / 1e9)
                        .toString());
            }
            return 0;
        } catch (StatusRuntimeException e) {
            console.error(Grpc.describe(e, "eval-service", eval));
            return 1;
        } finally {
            Grpc.close(channel);
        }
    }
}
