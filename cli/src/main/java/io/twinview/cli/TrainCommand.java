package io.twinview.cli;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.twinview.proto.v1.GetRunRequest;
import io.twinview.proto.v1.Run;
import io.twinview.proto.v1.RunSpec;
import io.twinview.proto.v1.TrainerServiceGrpc;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Starts (or resumes) a run on a running trainer and follows it. */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        description = "Start a run on the trainer of ./twinview up (or --trainer) and follow its progress.")
final class TrainCommand implements Callable<Integer> {

    @Mixin
    RunFlags flags;

    @Option(
            names = "--run-id",
            description = "name the run; an existing id resumes that run from its newest checkpoint")
    String runId;

    @Option(
            names = "--trainer",
            defaultValue = "127.0.0.1:9101",
            description = "trainer gRPC address (default: ${DEFAULT-VALUE})")
    String trainer;

    @Mixin
    ConnectionFlags connection;

    @Option(names = "--detach", description = "return once the run is started")
    boolean detach;

    @Option(names = "--json", description = "end with one line of JSON describing the run")
    boolean json;

    private static Run done(ManagedChannel channel, Run run) {
        return TrainerServiceGrpc.newBlockingStub(channel)
                .getRun(GetRunRequest.newBuilder().setRunId(run.getRunId()).build());
    }

    @Override
    public Integer call() {
        long start = System.nanoTime();
        Console console = new Console(json);
        if (flags.dataset == null && runId == null) {
            console.error("--dataset is required for a new run (e.g. --dataset synthetic:?n=4096)");
            return 2;
        }
        ManagedChannel channel = Grpc.channel(trainer, connection.access(TwinviewCli.home()));
        try {
            Training training = new Training(console);
            Run run = training.start(
                    channel,
                    flags.dataset == null ? RunSpec.getDefaultInstance() : flags.toSpec(flags.dataset, null),
                    runId);
            if (detach) {
                if (json) {
                    console.json(new JsonLine()
                            .put("run_id", run.getRunId())
                            .put("state", run.getState().name())
                            .toString());
                }
                return 0;
            }
            Training.Result result = training.follow(channel, run);
            if (json) {
                console.json(new JsonLine()
                        .put("run_id", run.getRunId())
                        .put("state", result.last().getState().name())
                        .put("method", run.getSpec().getMethod())
                        .put("encoder", run.getSpec().getEncoder())
                        .put("epochs", run.getSpec().getEpochs())
                        .put("steps", result.last().getStep())
                        .put(
                                "checkpoint",
                                result.last().getLastCheckpointStep() > 0
                                        ? Results.checkpointUri(
                                                done(channel, run).getLatestCheckpoint())
                                        : "")
                        .put("train_pairs_per_s", result.pairsPerSecond())
                        .put("input_wait_fraction", result.last().getInputWaitFraction())
                        .put("wall_s", (System.nanoTime() - start) / 1e9)
                        .toString());
            }
            return result.succeeded() ? 0 : 1;
        } catch (StatusRuntimeException e) {
            console.error(Grpc.describe(e, "the trainer", trainer));
            return 1;
        } finally {
            Grpc.close(channel);
        }
    }
}
