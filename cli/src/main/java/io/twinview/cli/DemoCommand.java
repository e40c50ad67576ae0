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
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
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
        Path work = TwinviewCli.home()
                .resolve(".twinview/demo")
                .resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        RunSpec spec = flags.toSpec(DEFAULT_DATASET, flags.dataset == null ? DEFAULT_EPOCHS : null);
        int cores = Runtime.getRuntime().availableProcessors();
        Pipeline.Options options = new Pipeline.Options(
                TwinviewCli.home(),
                work,
                Pipeline.PortPlan.free(),
                0,
                Math.max(1, cores / 2),
                Math.max(1, cores / 2),
                false);
        JsonLine results = null;
        try (Pipeline pipeline = Pipeline.start(options, console)) {
            results = trainAndEvaluate(pipeline, spec, console, work, start);
        } finally {
            console.info("stopped everything the demo started");
            if (!keep) {
                Files2.deleteQuietly(work.resolve("kafka"));
            }
        }
        if (results == null) {
            return 1;
        }
        if (json) {
            console.json(
                    results.put("wall_s", (System.nanoTime() - start) / 1e9).toString());
        }
        return 0;
    }

    /** The run and its report, or null (after saying why) when either failed. */
    private JsonLine trainAndEvaluate(Pipeline pipeline, RunSpec spec, Console console, Path work, long start) {
        ManagedChannel trainer = Grpc.channel(pipeline.trainerAddress(), pipeline.access());
        ManagedChannel eval = Grpc.channel(pipeline.evalAddress(), pipeline.access());
        try {
            Training training = new Training(console);
            Run run = training.start(trainer, spec, null);
            Training.Result result = training.follow(trainer, run);
            if (!result.succeeded()) {
                console.error(
                        "the run did not finish: " + result.last().getMessage() + " (logs in " + pipeline.logs() + ")");
                return null;
            }
            console.info("evaluating step " + result.last().getStep() + " and the random-init baseline");
            EvalReport report = EvalServiceGrpc.newBlockingStub(eval)
                    .withDeadlineAfter(30, TimeUnit.MINUTES)
                    .evaluate(EvaluateRequest.newBuilder()
                            .setRunId(run.getRunId())
                            .setStep(result.last().getStep())
                            .build());
            console.info(Reports.table(report));
            String checkpoint = Results.checkpointUri(report.getCheckpointManifestKey());
            console.info(String.format(
                    "trained and evaluated in %s; checkpoint %s (stored under %s)",
                    Training.clock((System.nanoTime() - start) / 1e9), checkpoint, work.resolve("s3")));
            return Results.json(result, report, checkpoint);
        } catch (StatusRuntimeException e) {
            console.error(
                    Grpc.describe(e, "the pipeline", pipeline.trainerAddress()) + " (logs in " + pipeline.logs() + ")");
            return null;
        } finally {
            Grpc.close(trainer);
            Grpc.close(eval);
        }
    }
}
