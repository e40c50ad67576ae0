package io.twinview.trainer.service;

import ai.djl.Device;
import ai.djl.engine.Engine;
import com.google.protobuf.util.Timestamps;
import io.twinview.core.checkpoint.Checkpoint;
import io.twinview.core.checkpoint.CheckpointStore;
import io.twinview.core.data.DatasetPolicy;
import io.twinview.core.kafka.KafkaClients;
import io.twinview.core.kafka.Topics;
import io.twinview.core.retry.Backoff;
import io.twinview.core.retry.Waits;
import io.twinview.core.storage.StorageException;
import io.twinview.core.storage.StorageSettings;
import io.twinview.model.InitialWeights;
import io.twinview.proto.v1.Run;
import io.twinview.proto.v1.RunProgress;
import io.twinview.proto.v1.RunSpec;
import io.twinview.proto.v1.RunState;
import io.twinview.trainer.config.TrainerConfig;
import io.twinview.trainer.kafka.KafkaCheckpointSink;
import io.twinview.trainer.kafka.KafkaTaskSink;
import io.twinview.trainer.kafka.KafkaViewSource;
import io.twinview.trainer.kafka.KafkaWorkerProbe;
import io.twinview.trainer.kafka.ViewsTopicCleanup;
import io.twinview.trainer.run.CheckpointRetention;
import io.twinview.trainer.run.RetentionPolicy;
import io.twinview.trainer.run.RunExecution;
import io.twinview.trainer.run.RunListener;
import io.twinview.trainer.run.RunSpecs;
import io.twinview.trainer.run.TaskPlan;
import io.twinview.trainer.storage.RunRecords;
import io.twinview.trainer.train.Learner;
import io.twinview.trainer.train.TrainingState;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.jboss.logging.Logger;

/**
 * The training thread: trains one run at a time on a dedicated thread that owns the learner and
 * the views consumer from start to end. For each run it builds the learner and the execution,
 * resumes from the newest complete checkpoint, trains, and records how the run ended.
 */
final class RunTrainer {

    private static final Logger LOG = RunManager.LOG;
    private static final Set<String> ALL_OBJECTS = Set.copyOf(TrainingState.OBJECTS);
    /** With the sample account (checkpoints since the ordered pair stream). */
    private static final Set<String> WITH_SAMPLES = Set.of("encoder", "heads", "optimizer", RunExecution.SAMPLES);

    private final TrainerConfig config;
    private final KafkaClients kafka;
    private final KafkaProducer<byte[], byte[]> producer;
    private final CheckpointStore checkpoints;
    private final RunRecords records;
    private final List<RunListener> listeners;
    private final Waits waits;
    private final ViewsTopicCleanup viewsTopics;
    private final Backoff backoff;
    private final StorageSettings storage;
    private final DatasetPolicy datasets;
    private final ExecutorService executor =
            Executors.newSingleThreadExecutor(runnable -> new Thread(runnable, "trainer-run"));

    /**
     * @param producer shared with the service: tasks and checkpoint events go through it
     * @param listeners added to every run after the standard ones (metrics)
     * @param waits what the service's clients are waiting out: every run's progress shows it
     * @param backoff how long the run's Kafka calls wait out an absent broker ({@code twinview.retry.*})
     * @param storage and {@code datasets}: where a run's initial weights are read from
     */
    RunTrainer(
            TrainerConfig config,
            KafkaClients kafka,
            KafkaProducer<byte[], byte[]> producer,
            CheckpointStore checkpoints,
            RunRecords records,
            List<RunListener> listeners,
            Waits waits,
            Backoff backoff,
            StorageSettings storage,
            DatasetPolicy datasets) {
        this.config = config;
        this.kafka = kafka;
        this.producer = producer;
        this.checkpoints = checkpoints;
        this.records = records;
        this.listeners = List.copyOf(listeners);
        this.waits = waits;
        this.viewsTopics = new ViewsTopicCleanup(kafka, Duration.ofSeconds(30));
        this.backoff = backoff;
        this.storage = storage;
        this.datasets = datasets;
    }

    /**
     * Trains the run on the training thread; {@code handle} follows its progress and holds its future.
     * {@code afterwards} runs on the training thread once the run ended here (the next queued run).
     */
    void submit(RunHandle handle, String viewsTopic, Runnable afterwards) {
        handle.future = executor.submit(() -> {
            try {
                train(handle, viewsTopic);
            } finally {
                afterwards.run();
            }
        });
    }

    /**
     * Trains the run while this trainer holds its lease: waits for the lease first when another trainer
     * holds it, renews it meanwhile, and gives it up when the run ends here. A trainer that loses the
     * run to another stops at once and writes nothing more of it.
     */
    private void train(RunHandle handle, String viewsTopic) {
        RunOwnership ownership = handle.ownership;
        try {
            if (!ownership.held() && !awaitLease(handle)) {
                return;
            }
        } catch (RuntimeException e) { // storage refused the take-over's reads or writes: the run stays as stored
            LOG.errorf(e, "run %s: could not take the run over", handle.runId());
            ownership.release();
            String error = "could not take run " + handle.runId() + " over: " + e.getMessage();
            handle.finish(
                    handle.run().getProgress().toBuilder()
                            .setState(RunState.RUN_STATE_STOPPED)
                            .setWaitingFor("")
                            .setMessage(error)
                            .build(),
                    error);
            return;
        }
        try (RunOwnership.Renewing renewing = ownership.keepRenewing(reason -> {
            RunExecution execution = handle.execution;
            if (execution != null) {
                execution.cancel(); // ends after the step in progress: no checkpoint of it (the sink refuses anyway)
            }
        })) {
            trainHeld(handle, viewsTopic);
        } finally {
            ownership.release(); // nothing when lost
        }
    }

    /**
     * Waits on the training thread until this trainer holds the run's lease, saying why in the run's
     * progress and in {@code waits}.
     *
     * @return false when it is not to train the run after all: the process shuts down, or the run ended
     *     under its previous holder meanwhile
     */
    private boolean awaitLease(RunHandle handle) {
        RunOwnership ownership = handle.ownership;
        String runId = handle.runId();
        try {
            while (!handle.preempted() && !handle.cancelRequested()) {
                Optional<RunOwnership.Holder> holder;
                try {
                    holder = ownership.tryAcquire();
                } catch (StorageException e) {
                    LOG.warnf("run %s: could not read its lease, trying again: %s", runId, e.getMessage());
                    holder = ownership.holder();
                }
                if (ownership.held()) {
                    break;
                }
                holder.ifPresent(h -> {
                    waits.begin(Waits.LEASE, h.describe());
                    handle.update(handle.run().getProgress().toBuilder()
                            .setState(RunState.RUN_STATE_RUNNING)
                            .setWaitingFor(Waits.LEASE)
                            .setMessage(h.describe())
                            .setLeaseOwner(h.owner())
                            .setLeaseEpoch(h.epoch())
                            .setAt(Timestamps.fromMillis(System.currentTimeMillis()))
                            .build());
                });
                pause(ownership.settings().renewInterval(), handle);
            }
        } finally {
            waits.end(Waits.LEASE);
        }
        if (!ownership.held()) {
            handle.finish(
                    handle.run().getProgress().toBuilder()
                            .setState(RunState.RUN_STATE_STOPPED)
                            .setWaitingFor("")
                            .setMessage("shut down while waiting for run " + runId
                                    + "'s lease: this trainer never trained it")
                            .build(),
                    null);
            return false;
        }
        Optional<Run> stored = records.find(runId);
        if (stored.isPresent()
                && (stored.get().getState() == RunState.RUN_STATE_SUCCEEDED
                        || stored.get().getState() == RunState.RUN_STATE_FAILED
                        || stored.get().getState() == RunState.RUN_STATE_CANCELLED)) {
            Run ended = stored.get();
            LOG.infof(
                    "run %s ended %s under %s while this trainer waited: nothing to train",
                    runId, ended.getState(), ended.getOwner());
            handle.finish(
                    ended.getProgress().toBuilder()
                            .setState(ended.getState())
                            .setWaitingFor("")
                            .setMessage("run " + runId + " ended " + ended.getState() + " under " + ended.getOwner()
                                    + " while this trainer waited for its lease: this trainer did not train it")
                            .build(),
                    ended.getError().isEmpty() ? null : ended.getError());
            ownership.release();
            return false;
        }
        LOG.infof("run %s: this trainer holds its lease now (epoch %d): resuming it", runId, ownership.epoch());
        handle.setOwner(ownership.identity().owner(), ownership.epoch());
        handle.update(handle.run().getProgress().toBuilder()
                .setWaitingFor("")
                .setMessage("took the run over under lease epoch " + ownership.epoch())
                .setLeaseOwner(ownership.identity().owner())
                .setLeaseEpoch(ownership.epoch())
                .build());
        records.save(handle.run());
        return true;
    }

    private Optional<Checkpoint> latestCheckpoint(String runId) {
        return checkpoints
                .latest(runId, WITH_SAMPLES)
                .or(() -> checkpoints.latest(runId, ALL_OBJECTS)); // one written before the sample account
    }

    /**
     * The spec's initial weights for a run that starts fresh; null when it names none, or when it resumes:
     * its checkpoint has the weights, and the file is never read again.
     *
     * @throws IllegalStateException when the file, checked at submission, cannot be read or used now
     */
    private InitialWeights initialWeights(String runId, RunSpec spec) {
        if (spec.getInitialWeights().isEmpty() || latestCheckpoint(runId).isPresent()) {
            return null;
        }
        try {
            InitialWeights weights = RunSpecs.initialWeights(spec.getInitialWeights(), storage, datasets);
            LOG.infof("run %s: the encoder starts from %s (sha256 %s)", runId, weights.uri(), weights.sha256());
            return weights;
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("initial_weights cannot be used: " + e.getMessage(), e);
        }
    }

    /** Sleeps {@code duration}, or less when the process begins to shut down. */
    private static void pause(Duration duration, RunHandle handle) {
        long end = System.nanoTime() + duration.toNanos();
        try {
            while (!handle.preempted() && System.nanoTime() < end) {
                Thread.sleep(Math.min(200, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            handle.preempt();
        }
    }

    private void trainHeld(RunHandle handle, String viewsTopic) {
        RunOwnership ownership = handle.ownership;
        Consumer<RunProgress> progress = sample -> handle.update(sample.toBuilder()
                .setLeaseOwner(ownership.identity().owner())
                .setLeaseEpoch(ownership.epoch())
                .build());
        String runId = handle.runId();
        RunSpec spec = handle.resolved.spec();
        RunProgress last = handle.run().getProgress();
        String error = null;
        RunState finalState;
        boolean endedForGood; // succeeded, failed or cancelled: not preempted, which the next process resumes
        try (Learner learner = new Learner(RunSpecs.learnerConfig(spec, device(), initialWeights(runId, spec)));
                KafkaViewSource views = new KafkaViewSource(kafka, viewsTopic);
                KafkaWorkerProbe workers = new KafkaWorkerProbe(kafka, config.augmentGroup())) {
            TaskPlan plan = new TaskPlan(
                    runId, handle.resolved, viewsTopic, Topics.maxSamplesPerViewBatch(spec.getImageSize()));
            RunExecution execution = new RunExecution(
                    runId,
                    handle.resolved,
                    viewsTopic,
                    learner,
                    plan,
                    views,
                    new KafkaTaskSink(producer, config.tasksTopic(), backoff, waits),
                    new FencedCheckpointSink(
                            new KafkaCheckpointSink(checkpoints, producer, config.checkpointsTopic(), backoff, waits),
                            ownership),
                    progress,
                    new RunExecution.Settings(
                            config.windowTasks(),
                            config.stallTimeout(),
                            Duration.ofMillis(200),
                            config.limits().minCheckpointInterval()),
                    System::nanoTime);
            execution.reportWaits(waits);
            execution.probeWorkers(workers);
            listeners.forEach(execution::addListener);
            execution.addListener(new CheckpointRetention(checkpoints, RetentionPolicy.of(spec.getRetention())));
            handle.executionStarted(execution);
            if (ownership.lost()) {
                execution.cancel();
            }
            Optional<Checkpoint> checkpoint = latestCheckpoint(runId);
            if (checkpoint.isPresent()) {
                execution.resumeFrom(checkpoint.get());
                handle.setResumedFrom(checkpoint.get().manifest().getStep());
            }
            RunExecution.Outcome outcome = execution.run();
            finalState = switch (outcome.end()) {
                case CANCELLED, PREEMPTED -> RunState.RUN_STATE_STOPPED; // stored as running: resumed later
                case COMPLETE, VIEWS_EXHAUSTED -> RunState.RUN_STATE_SUCCEEDED;
            };
            if (ownership.lost()) {
                finalState = RunState.RUN_STATE_STOPPED;
            }
            boolean cancelled = handle.cancelRequested() && outcome.end() == RunExecution.End.PREEMPTED;
            if (cancelled && !ownership.lost()) { // CancelRun: the step is checkpointed, the run ends for good
                finalState = RunState.RUN_STATE_CANCELLED;
            }
            endedForGood = (outcome.end() != RunExecution.End.PREEMPTED || cancelled) && !ownership.lost();
            last = execution.snapshot(finalState).toBuilder()
                    .setMessage(
                            ownership.lost()
                                    ? ownership.lostReason()
                                    : finalState == RunState.RUN_STATE_CANCELLED
                                            ? "cancelled at step " + outcome.finalStep() + " (checkpoint at step "
                                                    + execution.lastCheckpointStep() + ")"
                                            : outcome.message())
                    .setLeaseOwner(ownership.identity().owner())
                    .setLeaseEpoch(ownership.epoch())
                    .build();
            LOG.infof("run %s: %s", runId, last.getMessage());
        } catch (RuntimeException | Error e) {
            error = kafka.explain(e); // a refused Kafka login or ACL names the user and the topic
            if (ownership.lost()) { // another trainer holds the run: its run.json is that trainer's to write
                LOG.warnf("run %s: stopped, another trainer took it over: %s", runId, ownership.lostReason());
                finalState = RunState.RUN_STATE_STOPPED;
                error = null;
                last = last.toBuilder()
                        .setState(finalState)
                        .setMessage(ownership.lostReason())
                        .build();
                handle.finish(last, null);
                return;
            }
            if (handle.preempted()) { // the shutdown closed the clients under it: the next process resumes the run
                LOG.warnf(
                        "run %s: ended by an error after the shutdown began, left RUNNING to resume (%s)",
                        runId, error);
                finalState = RunState.RUN_STATE_STOPPED;
                endedForGood = false;
            } else {
                LOG.errorf(e, "run %s failed", runId);
                finalState = RunState.RUN_STATE_FAILED;
                endedForGood = true;
            }
            last = last.toBuilder().setState(finalState).setMessage(error).build();
        }
        handle.finish(last, error);
        if (finalState != RunState.RUN_STATE_STOPPED) { // a stopped run stays RUNNING: the next process resumes it
            try {
                records.save(handle.run()); // waits out a storage outage like every write
            } catch (RuntimeException e) {
                LOG.errorf(
                        "run %s: could not record that it %s (%s); run.json still says %s",
                        runId,
                        finalState == RunState.RUN_STATE_FAILED ? "failed: " + error : "ended " + finalState,
                        e.getMessage(),
                        RunState.RUN_STATE_RUNNING);
            }
        }
        if (endedForGood) {
            viewsTopics.delete(runId, viewsTopic);
        }
    }

    private Device device() {
        return switch (config.device()) {
            case "cpu" -> Device.cpu();
            case "gpu" -> Device.gpu();
            default -> Engine.getInstance().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
        };
    }

    /**
     * Waits up to {@code timeout} for the run in training to end (cancel or preempt it first).
     *
     * @return whether the training thread ended in time
     */
    boolean stop(Duration timeout) {
        executor.shutdown();
        try {
            return executor.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
