package io.twinview.trainer.service;

import io.twinview.core.checkpoint.CheckpointKeys;
import io.twinview.proto.v1.Run;
import io.twinview.proto.v1.RunProgress;
import io.twinview.proto.v1.RunState;
import io.twinview.trainer.run.ResolvedRun;
import io.twinview.trainer.run.RunExecution;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/** A run this process trains or trained: its latest state, and who is watching it. */
final class RunHandle {

    final ResolvedRun resolved;
    private volatile Run run;
    private final List<Consumer<RunProgress>> watchers = new CopyOnWriteArrayList<>();
    volatile RunExecution execution;
    volatile Future<?> future;
    /** This trainer's hold on the run's lease: only a holder trains it and writes its checkpoints. */
    volatile RunOwnership ownership;

    private volatile boolean preempted;
    private volatile boolean cancelRequested;

    RunHandle(Run run, ResolvedRun resolved) {
        this.run = run;
        this.resolved = resolved;
    }

    Run run() {
        return run;
    }

    String runId() {
        return run.getRunId();
    }

    boolean finished() {
        RunState state = run.getState();
        return state == RunState.RUN_STATE_SUCCEEDED
                || state == RunState.RUN_STATE_FAILED
                || state == RunState.RUN_STATE_STOPPED
                || state == RunState.RUN_STATE_CANCELLED;
    }

    synchronized void update(RunProgress progress) {
        Run.Builder next = run.toBuilder().setProgress(progress).setState(progress.getState());
        if (progress.getLastCheckpointStep() > 0) {
            next.setLatestCheckpoint(CheckpointKeys.manifestKey(runId(), progress.getLastCheckpointStep()));
        }
        run = next.build();
        watchers.forEach(watcher -> watcher.accept(progress));
    }

    synchronized void finish(RunProgress progress, String error) {
        Run.Builder next = run.toBuilder().setProgress(progress).setState(progress.getState());
        if (error != null) {
            next.setError(error);
        }
        if (progress.getLastCheckpointStep() > 0) {
            next.setLatestCheckpoint(CheckpointKeys.manifestKey(runId(), progress.getLastCheckpointStep()));
        }
        run = next.build();
        watchers.forEach(watcher -> watcher.accept(progress));
        watchers.clear();
    }

    /** Asks the run to end with a checkpoint (SIGTERM), now or as soon as its execution exists. */
    void preempt() {
        preempted = true;
        RunExecution current = execution;
        if (current != null) {
            current.preempt();
        }
    }

    /**
     * CancelRun: the run ends after the step in progress with a checkpoint of it, as a preemption does,
     * and ends CANCELLED for good.
     */
    synchronized void cancel() {
        cancelRequested = true;
        run = run.toBuilder().setCancelRequested(true).build();
        RunExecution current = execution;
        if (current != null) {
            current.preempt();
        }
    }

    boolean cancelRequested() {
        return cancelRequested;
    }

    /** Whether the process asked the run to end because it is shutting down. */
    boolean preempted() {
        return preempted;
    }

    /** Called by the training thread once it made the execution: a preemption asked before reaches it. */
    void executionStarted(RunExecution started) {
        execution = started;
        if (preempted || cancelRequested) {
            started.preempt();
        }
    }

    /** This trainer holds the run now, under {@code epoch}. */
    synchronized void setOwner(String owner, long epoch) {
        run = run.toBuilder().setOwner(owner).setLeaseEpoch(epoch).build();
    }

    synchronized void setResumedFrom(long step) {
        run = run.toBuilder().setResumedFromStep(step).build();
    }

    /** Sends the current progress, then every update; finished runs get their last progress only. */
    synchronized AutoCloseable watch(Consumer<RunProgress> watcher) {
        watcher.accept(run.getProgress().toBuilder().setState(run.getState()).build());
        if (finished()) {
            return () -> {};
        }
        watchers.add(watcher);
        return () -> watchers.remove(watcher);
    }
}
