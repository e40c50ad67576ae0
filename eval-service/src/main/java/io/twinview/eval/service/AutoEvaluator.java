package io.twinview.eval.service;

import io.twinview.core.retry.Backoff;
import io.twinview.core.retry.Waits;
import io.twinview.eval.storage.StorageErrors;
import io.twinview.proto.v1.EvalReport;
import io.twinview.proto.v1.EvaluateRequest;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jboss.logging.Logger;

/**
 * Evaluates one announced checkpoint until it has a report, the way automatic evaluation must:
 * nothing lost, nothing blocking.
 *
 * <ul>
 *   <li>A transient storage failure (unreachable, a server error) is waited out with the backoff,
 *       shown as waiting for {@link Waits#STORAGE}; it costs no try unless it outlasts the backoff's
 *       give-up time.
 *   <li>Any other failure (out of memory, a corrupt object) costs one try; after {@code maxAttempts}
 *       tries, or at once for a request that can never succeed (InvalidEvalRequestException), a
 *       failed report with the last error is stored, and the caller moves on.
 *   <li>A checkpoint whose manifest is gone (deleted by retention before it was evaluated) is
 *       skipped, unless it is final: then a failed report names the reason, so that every final
 *       checkpoint has a report.
 *   <li>Storing the failed report is retried until it succeeds or the caller stops: the caller
 *       commits the event only once an outcome is stored.
 * </ul>
 *
 * Runs on the caller's thread (the checkpoint-event listener); the evaluation itself runs on the
 * service's evaluation thread while the caller keeps its duties ({@link Caller#whileWaiting()}).
 */
public final class AutoEvaluator {

    private static final Logger LOG = Logger.getLogger(AutoEvaluator.class);
    private static final long WAIT_SLICE_MS = 1000;

    /** The thread that waits for an evaluation. */
    public interface Caller {

        /** Called about every second while an evaluation runs (a consumer polls, to stay in its group). */
        void whileWaiting();

        /** True once the caller stops: the event's outcome is then left for the next process. */
        boolean stopping();
    }

    /** What became of an event. */
    public enum Result {
        /** A report with scores is stored. */
        EVALUATED,
        /** A failed report is stored. */
        FAILED,
        /** Not evaluated on purpose (an intermediate checkpoint deleted before its turn): nothing stored. */
        SKIPPED,
        /** The caller stopped first: nothing stored, the event must be delivered again. */
        STOPPED
    }

    /**
     * @param report the stored report (null when SKIPPED or STOPPED)
     * @param detail why, for the log
     */
    public record Outcome(Result result, EvalReport report, String detail) {

        /** Whether the event is done with (its offset may be committed). */
        public boolean handled() {
            return result != Result.STOPPED;
        }
    }

    private final EvaluationService evaluations;
    private final int maxAttempts;
    private final Backoff backoff;
    private final Waits waits;

    /**
     * @param maxAttempts tries before a failed report ({@code twinview.eval.max-attempts})
     * @param backoff     how transient failures are retried ({@code twinview.eval.retry-for})
     * @param waits       where waiting for storage is shown
     */
    public AutoEvaluator(EvaluationService evaluations, int maxAttempts, Backoff backoff, Waits waits) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
        }
        this.evaluations = evaluations;
        this.maxAttempts = maxAttempts;
        this.backoff = backoff;
        this.waits = waits;
    }

    /** Evaluates the checkpoint of {@code runId} at {@code step} with the run's own sets and the default k. */
    public Outcome evaluate(String runId, long step, boolean isFinal, Caller caller) {
        String what = runId + " step " + step + (isFinal ? " (final)" : "");
        EvaluateRequest request =
                EvaluateRequest.newBuilder().setRunId(runId).setStep(step).build();
        Tries tries = new Tries(request, caller);
        Throwable failure = null;
        int attempt = 0;
        while (attempt < maxAttempts) {
            attempt++;
            try {
                EvalReport report = tries.once(attempt);
                return new Outcome(Result.EVALUATED, report, "report " + report.getReportId());
            } catch (Stopped e) {
                return new Outcome(Result.STOPPED, null, "stopped while evaluating " + what);
            } catch (CallerFailed e) {
                throw e.getCause(); // the caller's own failure (its consumer), not the evaluation's
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Outcome(Result.STOPPED, null, "interrupted while evaluating " + what);
            } catch (Exception e) {
                failure = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            }
            if (caller.stopping() || Thread.currentThread().isInterrupted()) {
                return new Outcome(Result.STOPPED, null, "stopped while evaluating " + what);
            }
            if (failure instanceof EvalNotFoundException && !tries.checkpointExists(runId, step)) {
                String gone = "checkpoint " + what + " was deleted before it was evaluated (retention keeps only"
                        + " some checkpoints): " + failure.getMessage();
                if (!isFinal) {
                    LOG.infof("skipping %s", gone);
                    return new Outcome(Result.SKIPPED, null, gone);
                }
                return storeFailed(runId, step, null, "the final " + gone, attempt, caller);
            }
            if (failure instanceof InvalidEvalRequestException) {
                break; // the run's own settings can never be evaluated: retrying cannot help
            }
            if (attempt < maxAttempts) {
                LOG.warnf(
                        "evaluation of %s failed (try %d of %d), trying again: %s",
                        what, attempt, maxAttempts, describe(failure));
                if (!pause(backoff.delay(attempt), caller)) {
                    return new Outcome(Result.STOPPED, null, "stopped while evaluating " + what);
                }
            }
        }
        LOG.errorf(
                failure,
                "evaluation of %s failed %d time(s); storing a failed report: %s",
                what,
                attempt,
                describe(failure));
        return storeFailed(runId, step, tries.resolved, describe(failure), attempt, caller);
    }

    private Outcome storeFailed(
            String runId, long step, ResolvedRequest resolved, String failure, int attempts, Caller caller) {
        EvalReport report = ReportMapper.failed(
                runId, step, resolved, evaluations.defaultK(), failure, attempts, System.currentTimeMillis());
        while (true) {
            try {
                String key = backoff.call(
                        () -> evaluations.store(report),
                        e -> !caller.stopping() && StorageErrors.isTransient(e),
                        waits.on(Waits.STORAGE));
                LOG.infof("failed report %s -> %s: %s", report.getReportId(), key, failure);
                return new Outcome(Result.FAILED, report, failure);
            } catch (RuntimeException e) {
                if (caller.stopping() || Thread.currentThread().isInterrupted()) {
                    return new Outcome(
                            Result.STOPPED, null, "stopped while storing failed report " + report.getReportId());
                }
                if (!StorageErrors.isTransient(e)) {
                    throw e;
                }
                LOG.errorf(
                        "storage still failing after %s; still trying to store report %s: %s",
                        backoff.giveUpAfter(), report.getReportId(), e.getMessage());
            }
        }
    }

    /** Sleeps {@code delay} in slices, keeping the caller's duties; false when the caller stops meanwhile. */
    private static boolean pause(Duration delay, Caller caller) {
        long end = System.nanoTime() + delay.toNanos();
        while (!caller.stopping()) {
            long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
            if (left <= 0) {
                return true;
            }
            try {
                Thread.sleep(Math.min(left, WAIT_SLICE_MS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            caller.whileWaiting();
        }
        return false;
    }

    private static String describe(Throwable failure) {
        String message = failure.getMessage();
        return failure.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    /** The caller stopped while its evaluation ran. */
    private static final class Stopped extends Exception {
        Stopped() {
            super("the caller stops", null, false, false);
        }
    }

    /** {@link Caller#whileWaiting()} failed: rethrown as it is, never counted as a failed try. */
    private static final class CallerFailed extends RuntimeException {
        CallerFailed(RuntimeException cause) {
            super(cause);
        }

        @Override
        public synchronized RuntimeException getCause() {
            return (RuntimeException) super.getCause();
        }
    }

    /** The tries of one event; remembers how far the last one resolved the request. */
    private final class Tries {

        private final EvaluateRequest request;
        private final Caller caller;
        private ResolvedRequest resolved;

        Tries(EvaluateRequest request, Caller caller) {
            this.request = request;
            this.caller = caller;
        }

        /** One try: transient storage failures are waited out within it. */
        EvalReport once(int attempt) throws Exception {
            return backoff.call(() -> evaluateOnce(attempt), this::isTransient, waits.on(Waits.STORAGE));
        }

        boolean checkpointExists(String runId, long step) {
            try {
                return backoff.call(
                        () -> evaluations.checkpointExists(runId, step), this::isTransient, waits.on(Waits.STORAGE));
            } catch (RuntimeException e) {
                LOG.warnf("could not tell whether checkpoint %s@%d exists (taking it as there): %s", runId, step, e);
                return true;
            }
        }

        private boolean isTransient(Throwable error) {
            Throwable cause =
                    error instanceof ExecutionException && error.getCause() != null ? error.getCause() : error;
            return !caller.stopping() && StorageErrors.isTransient(cause);
        }

        private EvalReport evaluateOnce(int attempt) throws ExecutionException, InterruptedException, Stopped {
            resolved = evaluations.resolve(request);
            waits.end(Waits.STORAGE); // storage answered: the evaluation runs, it does not wait
            Future<EvalReport> future = evaluations.submit(resolved, attempt);
            try {
                while (true) {
                    if (caller.stopping()) {
                        throw new Stopped();
                    }
                    try {
                        return future.get(WAIT_SLICE_MS, TimeUnit.MILLISECONDS);
                    } catch (TimeoutException e) {
                        try {
                            caller.whileWaiting();
                        } catch (RuntimeException failure) {
                            throw new CallerFailed(failure);
                        }
                    }
                }
            } finally {
                if (!future.isDone()) {
                    future.cancel(
                            true); // the caller stops or failed, as a shutdown would: the next process evaluates it
                }
            }
        }
    }
}
