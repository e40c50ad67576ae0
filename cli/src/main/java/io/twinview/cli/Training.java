package io.twinview.cli;

import io.grpc.ManagedChannel;
import io.twinview.proto.v1.Run;
import io.twinview.proto.v1.RunProgress;
import io.twinview.proto.v1.RunSpec;
import io.twinview.proto.v1.RunState;
import io.twinview.proto.v1.StartRunRequest;
import io.twinview.proto.v1.TrainerServiceGrpc;
import io.twinview.proto.v1.WatchRunRequest;
import java.time.Duration;
import java.util.Iterator;
import java.util.Locale;

/** Starts a run on a trainer and follows it to the end, printing progress. */
final class Training {

    /**
     * What a finished run looked like from the client.
     *
     * @param pairsPerSecond pairs trained / seconds between the first and last step seen
     */
    record Result(Run run, RunProgress last, double pairsPerSecond) {
        boolean succeeded() {
            return last.getState() == RunState.RUN_STATE_SUCCEEDED;
        }
    }

    private final Console console;

    Training(Console console) {
        this.console = console;
    }

    Run start(ManagedChannel channel, RunSpec spec, String runId) {
        StartRunRequest.Builder request = StartRunRequest.newBuilder().setSpec(spec);
        if (runId != null) {
            request.setRunId(runId);
        }
        Run run = TrainerServiceGrpc.newBlockingStub(channel).startRun(request.build());
        RunSpec resolved = run.getSpec();
        console.info(String.format(
                "run %s: %s, %s encoder, %d epochs of %s, batch %d, %d steps",
                run.getRunId(),
                resolved.getMethod(),
                resolved.getEncoder(),
                resolved.getEpochs(),
                resolved.getDatasetUri(),
                resolved.getBatchSize(),
                run.getProgress().getTotalSteps()));
        if (!run.getProgress().getMessage().isEmpty()) {
            console.info("  note: " + run.getProgress().getMessage());
        }
        console.info("  probes: fit on " + resolved.getEvalTrainUri() + ", scored on "
                + (resolved.getEvalTestUri().isEmpty() ? "(none)" : resolved.getEvalTestUri()));
        return run;
    }

    Result follow(ManagedChannel channel, Run run) {
        Iterator<RunProgress> stream = TrainerServiceGrpc.newBlockingStub(channel)
                .watchRun(WatchRunRequest.newBuilder().setRunId(run.getRunId()).build());
        RunProgress last = run.getProgress();
        long firstStep = -1;
        long firstNanos = 0;
        long lastNanos = 0;
        long lastPrinted = 0;
        long printedStep = 0;
        String lastMessage = run.getProgress().getMessage();
        while (stream.hasNext()) {
            RunProgress progress = stream.next();
            long now = System.nanoTime();
            if (progress.getStep() > 0 && firstStep < 0) {
                firstStep = progress.getStep();
                firstNanos = now;
            }
            if (progress.getStep() > last.getStep()) {
                lastNanos = now;
            }
            boolean terminal = progress.getState() != RunState.RUN_STATE_RUNNING
                    && progress.getState() != RunState.RUN_STATE_PENDING;
            if (!progress.getMessage().isEmpty()
                    && !progress.getMessage().equals(lastMessage)
                    && !(terminal && progress.getState() == RunState.RUN_STATE_SUCCEEDED)) {
                console.info("  " + progress.getMessage());
                lastMessage = progress.getMessage();
            }
            boolean newStep = progress.getStep() > printedStep;
            if (progress.getStep() > 0
                    && newStep
                    && (now - lastPrinted > 2_000_000_000L || progress.getStep() == progress.getTotalSteps())) {
                console.progress(line(progress));
                lastPrinted = now;
                printedStep = progress.getStep();
            }
            last = progress;
        }
        double seconds = (lastNanos - firstNanos) / 1e9;
        double pairsPerSecond = firstStep < 0 || seconds <= 0
                ? last.getPairsPerSecond()
                : (last.getStep() - firstStep) * (double) run.getSpec().getBatchSize() / seconds;
        console.info(end(last));
        return new Result(run, last, pairsPerSecond);
    }

    /**
     * The closing line: how the run ended, how much of the trainer's time went to waiting for views
     * (near 100%: the augment workers are the bottleneck), and what of its input was not trained on.
     */
    static String end(RunProgress p) {
        StringBuilder line = new StringBuilder(String.format(
                Locale.ROOT,
                "  %s at step %d/%d after %s, %.0f%% of it waiting for views",
                state(p.getState()),
                p.getStep(),
                p.getTotalSteps(),
                clock(p.getElapsedSeconds()),
                100 * p.getInputWaitFraction()));
        if (p.getRejectedSamples() > 0) {
            line.append(String.format(
                    "; %d unreadable sample(s) skipped (the workers' dead-letter topic has each reason)",
                    p.getRejectedSamples()));
        }
        if (p.getRejectedBatches() > 0) {
            line.append(String.format("; %d malformed view record(s) skipped", p.getRejectedBatches()));
        }
        if (p.getNonFiniteSteps() > 0) {
            line.append(String.format("; %d step(s) with a NaN/inf loss skipped", p.getNonFiniteSteps()));
        }
        return line.toString();
    }

    static String line(RunProgress p) {
        return String.format(
                "  step %d/%d  epoch %.1f/%d  loss %.4f  lr %.2e  %.0f pairs/s  ETA %s",
                p.getStep(),
                p.getTotalSteps(),
                p.getEpoch(),
                p.getTotalEpochs(),
                p.getLoss(),
                p.getLearningRate(),
                p.getPairsPerSecond(),
                p.getEtaSeconds() > 0 ? clock(p.getEtaSeconds()) : "-");
    }

    static String clock(double seconds) {
        Duration d = Duration.ofMillis((long) (seconds * 1000));
        return d.toHours() > 0
                ? String.format("%d:%02d:%02d", d.toHours(), d.toMinutesPart(), d.toSecondsPart())
                : String.format("%d:%02d", d.toMinutes(), d.toSecondsPart());
    }

    private static String state(RunState state) {
        return switch (state) {
            case RUN_STATE_SUCCEEDED -> "finished";
            case RUN_STATE_FAILED -> "FAILED";
            case RUN_STATE_STOPPED -> "stopped";
            case RUN_STATE_CANCELLED -> "cancelled";
            default -> state.name();
        };
    }
}
