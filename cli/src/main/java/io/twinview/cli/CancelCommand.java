package io.twinview.cli;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.twinview.proto.v1.CancelRunRequest;
import io.twinview.proto.v1.Run;
import io.twinview.proto.v1.RunProgress;
import io.twinview.proto.v1.RunState;
import io.twinview.proto.v1.TrainerServiceGrpc;
import io.twinview.proto.v1.WatchRunRequest;
import java.util.Iterator;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Cancels a queued or running run and waits until it ended, printing its final state. */
@Command(
        name = "cancel",
        mixinStandardHelpOptions = true,
        description = "Cancel a queued run (it never trains) or a running one (it checkpoints its step and stops);"
                + " prints the final state.")
final class CancelCommand implements Callable<Integer> {

    @Option(names = "--run-id", required = true, description = "the run to cancel")
    String runId;

    @Option(
            names = "--trainer",
            defaultValue = "127.0.0.1:9101",
            description = "trainer gRPC address (default: ${DEFAULT-VALUE})")
    String trainer;

    @Option(
            names = "--wait-minutes",
            defaultValue = "10",
            description = "how long to wait for a running run to stop (default: ${DEFAULT-VALUE})")
    long waitMinutes;

    @Mixin
    ConnectionFlags connection;

    @Override
    public Integer call() {
        Console console = new Console(false);
        ManagedChannel channel = Grpc.channel(trainer, connection.access(TwinviewCli.home()));
        try {
            TrainerServiceGrpc.TrainerServiceBlockingStub stub =
                    TrainerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(waitMinutes, TimeUnit.MINUTES);
            Run run =
                    stub.cancelRun(CancelRunRequest.newBuilder().setRunId(runId).build());
            RunState state = run.getState();
            String message = run.getProgress().getMessage();
            if (state != RunState.RUN_STATE_CANCELLED) {
                console.info("run " + runId + ": cancel requested, waiting for it to stop at its next step");
                Iterator<RunProgress> stream = stub.watchRun(
                        WatchRunRequest.newBuilder().setRunId(runId).build());
                while (stream.hasNext()) {
                    RunProgress progress = stream.next();
                    state = progress.getState();
                    message = progress.getMessage();
                }
            }
            console.info("run " + runId + ": " + state.name() + (message.isEmpty() ? "" : " (" + message + ")"));
            return state == RunState.RUN_STATE_CANCELLED ? 0 : 1;
        } catch (StatusRuntimeException e) {
            console.error(Grpc.describe(e, "trainer", trainer));
            return 1;
        } finally {
            Grpc.close(channel);
        }
    }
}
