package io.twinview.trainer.service;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.twinview.core.checkpoint.Checkpoint;
import io.twinview.core.checkpoint.CheckpointStore;
import io.twinview.core.kafka.KafkaClients;
import io.twinview.core.kafka.Topics;
import io.twinview.core.retry.Backoff;
import io.twinview.core.retry.Waits;
import io.twinview.proto.v1.RunProgress;
import io.twinview.proto.v1.RunSpec;
import io.twinview.proto.v1.RunState;
import io.twinview.trainer.config.TrainerConfig;
import io.twinview.trainer.kafka.KafkaCheckpointSink;
import io.twinview.trainer.kafka.KafkaTaskSink;
import io.twinview.trainer.kafka.KafkaViewSource;
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

    private final TrainerConfig config;
    private final KafkaClients kafka;
    private final KafkaProducer<byte[], byte[]> producer;
    private final CheckpointStore checkpoints;
    private final RunRecords records;
    private final List<RunListener> listeners;
    private final Waits waits;
    private final Backoff backoff;
    private final ExecutorService executor =
            Executors.newSingleThreadExecutor(runnable -> new Thread(runnable, "trainer-run"));

    /**
     * @param producer shared with the service: tasks and checkpoint events go through it
     * @param listeners added to every run after the standard ones (metrics)
     * @param waits what the service's clients are waiting out: every run's progress shows it
     * @param backoff how long the run's Kafka calls wait out an absent broker ({@code twinview.retry.*})
     */
    RunTrainer(
            TrainerConfig config,
            KafkaClients kafka,
            KafkaProducer<byte[], byte[]> producer,
            CheckpointStore checkpoints,
            RunRecords records,
            List<RunListener> listeners,
            Waits waits,
            Backoff backoff) {
        this.config = config;
        this.kafka = kafka;
        this.producer = producer;
        this.checkpoints = checkpoints;
        this.records = records;
        this.listeners = List.copyOf(listeners);
        this.waits = waits;
        this.backoff = backoff;
    }

    /** Trains the run on the training thread; {@code handle} follows its progress and holds its future. */
    void submit(RunHandle handle, String viewsTopic) {
        handle.future = executor.submit(() -> train(handle, viewsTopic));
    }

    private void train(RunHandle handle, String viewsTopic) {
        String runId = handle.runId();
        RunSpec spec = handle.resolved.spec();
        RunProgress last = handle.run().getProgress();
        String error = null;
        RunState finalState;
        try (Learner learner = new Learner(RunSpecs.learnerConfig(spec, device()));
                KafkaViewSource views = new KafkaViewSource(kafka, viewsTopic)) {
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
                    new KafkaCheckpointSink(checkpoints, producer, config.checkpointsTopic(), backoff, waits),
                    handle::update,
                    new RunExecution.Settings(
                            config.windowTasks(),
                            config.stallTimeout(),
                            Duration.ofMillis(200),
                            config.limits().minCheckpointInterval()),
                    System::nanoTime);
            execution.reportWaits(waits);
            listeners.forEach(execution::addListener);
            handle.executionStarted(execution);
            Optional<Checkpoint> checkpoint = checkpoints.latest(runId, ALL_OBJECTS);
            if (checkpoint.isPresent()) {
                execution.resumeFrom(checkpoint.get());
                handle.setResumedFrom(checkpoint.get().manifest().getStep());
            }
            RunExecution.Outcome outcome = execution.run();
            finalState = switch (outcome.end()) {
                case CANCELLED, PREEMPTED -> RunState.RUN_STATE_STOPPED; // stored as running: resumed later
                case COMPLETE, VIEWS_EXHAUSTED -> RunState.RUN_STATE_SUCCEEDED;
            };
            last = execution.snapshot(finalState).toBuilder()
                    .setMessage(outcome.message())
                    .build();
            LOG.infof("run %s: %s", runId, outcome.message());
        } catch (RuntimeException | Error e) {
            error = kafka.explain(e); // a refused Kafka login or ACL names the user and the topic
            if (handle.preempted()) { // the shutdown closed the clients under it: the next process resumes the run
                LOG.warnf(
                        "run %s: ended by an error after the shutdown began, left RUNNING to resume (%s)",
                        runId, error);
                finalState = RunState.RUN_STATE_STOPPED;
            } else {
                LOG.errorf(e, "run %s failed", runId);
                finalState = RunState.RUN_STATE_FAILED;
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
                        finalState == RunState.RUN_STATE_FAILED ? "failed: " + error : "succeeded",
                        e.getMessage(),
                        RunState.RUN_STATE_RUNNING);
            }
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
