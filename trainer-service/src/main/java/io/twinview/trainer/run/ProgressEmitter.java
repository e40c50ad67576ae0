package io.twinview.trainer.run;

import io.twinview.proto.v1.RunProgress;
import io.twinview.proto.v1.RunState;
import io.twinview.trainer.train.Stepper;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Sends the run's progress: at the start, after a stall, at the last step, and otherwise at most
 * every half second of steps (a fast run would flood WatchRun with one message a step).
 */
final class ProgressEmitter implements RunListener {

    private static final long EVERY_NANOS = 500_000_000L;

    private final Consumer<RunProgress> progress;
    private final LongSupplier clock;
    private long lastNanos;

    ProgressEmitter(Consumer<RunProgress> progress, LongSupplier clock) {
        this.progress = progress;
        this.clock = clock;
    }

    @Override
    public void onBegin(RunExecution run) {
        emit(run, true);
    }

    @Override
    public void onStep(RunExecution run, Stepper.StepResult result) {
        emit(run, run.step() == run.totalSteps());
    }

    @Override
    public void onStall(RunExecution run) {
        emit(run, true);
    }

    private void emit(RunExecution run, boolean force) {
        long now = clock.getAsLong();
        if (!force && now - lastNanos < EVERY_NANOS) {
            return;
        }
        lastNanos = now;
        progress.accept(run.snapshot(RunState.RUN_STATE_RUNNING));
    }
}
