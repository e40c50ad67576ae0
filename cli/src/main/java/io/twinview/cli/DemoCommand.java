package io.twinview.cli;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.twinview.proto.v1.EvalReport;
import io.twinview.proto.v1.EvalServiceGrpc;
import io.twinview.proto.v1.EvaluateRequest;
import io.twinview.proto.v1.Run;
import io.twinview.proto.v1.RunSpec;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Starts everything (Kafka, S3, the three services), trains one short run, evaluates its last
 * checkpoint against the random-init baseline, prints the report and stops everything.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start the whole pipeline, train a short run, evaluate it, stop everything.")
final class DemoCommand implements Callable<Integer> {

    /** Small enough for about two minutes of training on two cores. */
    static final String DEFAULT_DATASET = "synthetic:?n=2048";
    static final int DEFAULT_EPOCHS = 10;

    @Mixin
    RunFlags flags;

    @Option(names = "--json", description = "end with one line of JSON holding the results")
    boolean json;

    @Option(names = "--keep", description = "keep the Kafka data of the run (views) under .twinview/demo/")
    boolean keep;

    @Override
    public Integer call() {
        long start = System.nanoTime();
        Console console = new Console(json);
        Path work = TwinviewCli.home().resolve(".twinview/demo")
                .resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        RunSpec spec = flags.toSpec(DEFAULT_DATASET, flags.dataset == null ? DEFAULT_EPOCHS : null);
        int cores = Runtime.getRuntime().availableProcessors();
        Pipeline.Options options = new Pipeline.Options(TwinviewCli.home(), work, Pipeline.PortPlan.free(),
                0, Math.max(1, cores / 2), Math.max(1, cores / 2), false);
        try (Pipeline pipeline = Pipeline.start(options, console)) {
            ManagedChannel trainer = Grpc.channel(pipeline.trainerAddress());
            ManagedChannel eval = Grpc.channel(pipeline.evalAddress());
            try {
                Training training = new Training(console);
                Run run = training.start(trainer, spec, null);
                Training.Result result = training.follow(trainer, run);
                if (!result.succeeded()) {
                    console.error("the run did not finish: " + result.last().getMessage() + " (logs in " + pipeline.logs() + ")");
                    return 1;
                }
                console.info("evaluating step " + result.last().getStep() + " and the random-init baseline");
                EvalReport report = EvalServiceGrpc.newBlockingStub(eval)
                        .withDeadlineAfter(30, TimeUnit.MINUTES)
                        .evaluate(EvaluateRequest.newBuilder()
                                .setRunId(run.getRunId())
                                .setStep(result.last().getStep())
                                .build());
                console.info(Reports.table(report));
                double wall = (System.nanoTime() - start) / 1e9;
                String checkpoint = "s3://" + Pipeline.BUCKET + "/" + report.getCheckpointManifestKey();
                console.info(String.format("demo finished in %s; checkpoint %s (stored under %s)",
                        Training.clock(wall), checkpoint, work.resolve("s3")));
                if (json) {
                    console.json(Results.json(result, report, checkpoint, wall).toString());
                }
                return 0;
            } catch (StatusRuntimeException e) {
                console.error(Grpc.describe(e, "the pipeline", pipeline.trainerAddress()) + " (logs in " + pipeline.logs() + ")");
                return 1;
            } finally {
                Grpc.close(trainer);
                Grpc.close(eval);
                console.info("stopping everything the demo started");
            }
        } finally {
            if (!keep) {
                Files2.deleteQuietly(work.resolve("kafka"));
            }
        }
    }
}
