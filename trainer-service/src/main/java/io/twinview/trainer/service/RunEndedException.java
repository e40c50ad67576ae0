package io.twinview.trainer.service;

import io.twinview.proto.v1.RunState;

/** CancelRun on a run that already ended: nothing to cancel. */
public final class RunEndedException extends RuntimeException {

    public RunEndedException(String runId, RunState state) {
        super("run " + runId + " already ended " + state + ": only a queued (RUN_STATE_PENDING) or running"
                + " (RUN_STATE_RUNNING) run can be cancelled");
    }
}
