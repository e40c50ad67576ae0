package io.twinview.trainer.service;

import com.google.protobuf.util.Timestamps;
import io.twinview.proto.v1.Run;
import io.twinview.proto.v1.RunProgress;
import io.twinview.proto.v1.RunState;
import io.twinview.trainer.run.InvalidRunSpecException;
import io.twinview.trainer.run.ResolvedRun;
import io.twinview.trainer.storage.RunQueue;
import io.twinview.trainer.storage.RunRecords;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * This trainer's side of the {@link RunQueue} every replica shares: queues runs (PENDING), claims the
 * oldest queued run with the run's lease when the trainer is idle, looks every {@code
 * queue-poll-interval} for queued runs and for a cancel request to the run in training, cancels runs
 * no trainer holds, and follows a queued run for its watchers.
 */
final class QueuedRuns {

    private static final Logger LOG = RunManager.LOG;

    /** What the queue needs of the trainer it feeds ({@link RunManager}). */
    interface Trainer {

        /** The run this trainer trains or trained last; null before its first. */
        RunHandle active();

        /** This process's handle of the run; null when it has none. */
        RunHandle handle(String runId);

        /**
         * Trains a run taken from the queue, under {@code claim}.
         *
         * @throws InvalidRunSpecException when this trainer's roots or limits refuse the run's spec
         */
        void launch(Run run, RunOwnership claim);

        /** Records the run FAILED with {@code reason}; never throws. */
        void markFailed(Run run, String reason);
    }

    private final RunQueue queue;
    private final RunRecords records;
    private final Function<String, RunOwnership> ownership;
    private final Trainer trainer;
    /** The monitor of {@link RunManager}'s start and cancel: what to train is decided one at a time. */
    private final Object lock;

    private final Duration pollInterval;
    /** Looks for queued runs and cancel requests; also polls storage for watchers of queued runs. */
    private final ScheduledExecutorService dispatcher;
    /** Claims on queued runs another trainer holds, kept so that an unrenewed lease's count goes on. */
    private final Map<String, RunOwnership> claims = new ConcurrentHashMap<>();

    /**
     * @param ownership a new claim on a run's lease, for this trainer
     * @param lock the monitor the trainer holds while it starts or cancels a run; taking a run from the
     *     queue holds it too
     */
    QueuedRuns(
            RunQueue queue,
            RunRecords records,
            Function<String, RunOwnership> ownership,
            Trainer trainer,
            Object lock,
            Duration pollInterval) {
        this.queue = queue;
        this.records = records;
        this.ownership = ownership;
        this.trainer = trainer;
        this.lock = lock;
        this.pollInterval = pollInterval;
        this.dispatcher = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "trainer-queue");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Looks at the queue every {@code queue-poll-interval} from now on. */
    void startPolling() {
        long every = pollInterval.toMillis();
        dispatcher.scheduleWithFixedDelay(this::poll, every, every, TimeUnit.MILLISECONDS);
    }

    /** Stops looking at the queue, and the polls for watchers of queued runs. */
    void stop() {
        dispatcher.shutdownNow();
    }

    /** Whether runs wait in the queue: a new run goes behind them. */
    boolean anyWaiting() {
        return !queue.runIds().isEmpty();
    }

    /** One look at the queue and at a cancel request for the run in training; never throws. */
    private void poll() {
        try {
            RunHandle current = trainer.active();
            if (current != null && !current.finished()) {
                if (!current.cancelRequested() && queue.cancelRequested(current.runId())) {
                    LOG.infof(
                            "run %s: cancel requested through another trainer, stopping at the next step",
                            current.runId());
                    current.cancel();
                }
                return;
            }
            takeNext();
        } catch (RuntimeException e) {
            LOG.warnf(
                    "could not look at the run queue (trying again in %d ms): %s",
                    pollInterval.toMillis(), e.getMessage());
        }
    }

    /** After a run ended here: the next queued run, at once rather than at the next poll. */
    void dispatchSoon() {
        if (!dispatcher.isShutdown()) {
            dispatcher.execute(this::poll);
        }
    }

    /**
     * Records the run PENDING and queues it; when this trainer is idle ({@code trainingHere} empty) it
     * takes the oldest queued run at once, which may be this one.
     *
     * @param trainingHere the run this trainer trains, if it is busy
     * @return the run as it stands: queued with its position, or RUNNING here
     */
    Run enqueue(Run.Builder run, ResolvedRun resolved, Optional<String> trainingHere) {
        String runId = run.getRunId();
        Run pending = run.setState(RunState.RUN_STATE_PENDING)
                .setProgress(RunProgress.newBuilder()
                        .setRunId(runId)
                        .setState(RunState.RUN_STATE_PENDING)
                        .setTotalSteps(resolved.totalSteps())
                        .setTotalEpochs(resolved.spec().getEpochs())
                        .setMessage("queued: the first free trainer takes it")
                        .setAt(Timestamps.fromMillis(System.currentTimeMillis())))
                .build();
        records.save(pending);
        queue.add(pending);
        LOG.infof(
                "run %s: queued (%s)",
                runId,
                trainingHere.map(busy -> "this trainer trains run " + busy).orElse("runs wait"));
        if (trainingHere.isEmpty()) {
            takeNext();
        }
        RunHandle started = trainer.handle(runId);
        return started != null
                ? started.run()
                : withPosition(records.find(runId).orElse(pending));
    }

    /**
     * When this trainer is idle: claims the oldest queued run nobody holds and trains it. A queued run
     * whose record is no longer PENDING (taken and ended elsewhere, cancelled) leaves the queue.
     */
    void takeNext() {
        synchronized (lock) {
            RunHandle current = trainer.active();
            if (current != null && !current.finished()) {
                return;
            }
            List<String> queued = queue.runIds();
            claims.keySet().retainAll(queued);
            for (String runId : queued) {
                RunOwnership claim = claims.computeIfAbsent(runId, ownership);
                Optional<RunOwnership.Holder> holder;
                try {
                    holder = claim.tryAcquire();
                } catch (RuntimeException e) { // storage away, or an old claim lost: the next look tries afresh
                    LOG.warnf("run %s: could not claim it from the queue: %s", runId, e.getMessage());
                    claims.remove(runId);
                    continue;
                }
                if (holder.isPresent()) {
                    continue; // another trainer claimed it
                }
                claims.remove(runId);
                Optional<Run> stored = records.find(runId);
                if (stored.isEmpty() || stored.get().getState() != RunState.RUN_STATE_PENDING) {
                    stored.ifPresent(queue::remove);
                    claim.release();
                    continue;
                }
                Run run = stored.get();
                if (queue.cancelRequested(runId)) {
                    saveCancelled(run, "cancelled while queued: never trained");
                    queue.remove(run);
                    claim.release();
                    continue;
                }
                try {
                    LOG.infof("run %s: taken from the queue", runId);
                    trainer.launch(run, claim);
                } catch (InvalidRunSpecException e) { // this trainer's roots or limits refuse it: so would it again
                    LOG.errorf("run %s cannot start, marking it FAILED: %s", runId, e.getMessage());
                    trainer.markFailed(run, "cannot start: " + e.getMessage());
                    queue.remove(run);
                    claim.release();
                    continue;
                } catch (RuntimeException e) { // Kafka or storage away: it stays queued, for the next look
                    LOG.errorf(e, "run %s: could not start it from the queue", runId);
                    claim.release();
                    return;
                }
                queue.remove(run); // after run.json says RUNNING: a crash before leaves it queued, not lost
                return;
            }
        }
    }

    /**
     * Cancels a run this trainer does not train: records the request (the trainer that trains it acts on
     * it within {@code queue-poll-interval}); a queued run, or one no trainer holds, is CANCELLED at once.
     *
     * @param stored the run as last recorded, not ended
     * @return the run: CANCELLED, or still RUNNING with {@code cancel_requested} until it stops
     */
    Run cancel(Run stored) {
        String runId = stored.getRunId();
        queue.requestCancel(runId); // before the claim: a trainer that claims it first sees the request
        RunOwnership claim = ownership.apply(runId);
        Optional<RunOwnership.Holder> holder = claim.tryAcquire();
        if (holder.isPresent()) {
            LOG.infof("run %s: cancel requested; %s", runId, holder.get().describe());
            return stored.toBuilder().setCancelRequested(true).build();
        }
        try {
            Run now = records.find(runId).orElse(stored);
            if (RunManager.ended(now.getState())) {
                return now;
            }
            Run cancelled = saveCancelled(
                    now,
                    now.getState() == RunState.RUN_STATE_PENDING
                            ? "cancelled while queued: never trained"
                            : "cancelled while no trainer trained it; its checkpoints stay");
            queue.remove(now);
            return cancelled;
        } finally {
            claim.release();
        }
    }

    private Run saveCancelled(Run run, String message) {
        Run cancelled = run.toBuilder()
                .setState(RunState.RUN_STATE_CANCELLED)
                .setCancelRequested(true)
                .setProgress(run.getProgress().toBuilder()
                        .setState(RunState.RUN_STATE_CANCELLED)
                        .setWaitingFor("")
                        .setQueuePosition(0)
                        .setMessage(message)
                        .setAt(Timestamps.fromMillis(System.currentTimeMillis())))
                .build();
        records.save(cancelled);
        LOG.infof("run %s: %s", run.getRunId(), message);
        return cancelled;
    }

    /** A queued run with its place in the queue (how many runs are ahead of it). */
    Run withPosition(Run run) {
        int position = queue.runIds().indexOf(run.getRunId());
        return run.toBuilder()
                .setProgress(run.getProgress().toBuilder().setQueuePosition(Math.max(0, position)))
                .build();
    }

    /**
     * A queued run: a PENDING sample (with its queue position) at every {@code queue-poll-interval}
     * until a trainer takes it; then this trainer's progress of it, or what the trainer that took it
     * records, until it ends.
     */
    AutoCloseable watch(String runId, Consumer<RunProgress> watcher) {
        Object watchLock = new Object();
        AutoCloseable[] following = {null};
        ScheduledFuture<?>[] polling = {null};
        Runnable look = () -> {
            synchronized (watchLock) {
                if (following[0] != null) {
                    return;
                }
                RunHandle started = trainer.handle(runId);
                if (started != null) {
                    following[0] = started.watch(watcher);
                    polling[0].cancel(false);
                    return;
                }
                Optional<Run> now;
                try {
                    now = records.find(runId)
                            .map(run -> run.getState() == RunState.RUN_STATE_PENDING ? withPosition(run) : run);
                } catch (RuntimeException e) { // storage away: the next look tries again
                    return;
                }
                if (now.isEmpty()) {
                    return;
                }
                Run run = now.get();
                watcher.accept(
                        run.getProgress().toBuilder().setState(run.getState()).build());
                if (RunManager.ended(run.getState())) {
                    following[0] = () -> {};
                    polling[0].cancel(false);
                }
            }
        };
        synchronized (watchLock) {
            polling[0] = dispatcher.scheduleWithFixedDelay(look, 0, pollInterval.toMillis(), TimeUnit.MILLISECONDS);
        }
        return () -> {
            synchronized (watchLock) {
                polling[0].cancel(false);
                if (following[0] != null) {
                    following[0].close();
                }
                following[0] = () -> {};
            }
        };
    }
}
