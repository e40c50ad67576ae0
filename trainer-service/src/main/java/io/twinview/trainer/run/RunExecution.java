package io.twinview.trainer.run;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.Timestamps;
import io.twinview.core.checkpoint.Checkpoint;
import io.twinview.core.checkpoint.CheckpointMetrics;
import io.twinview.proto.v1.AugmentTask;
import io.twinview.proto.v1.CheckpointEvent;
import io.twinview.proto.v1.CheckpointManifest;
import io.twinview.proto.v1.CollapseMonitors;
import io.twinview.proto.v1.PartitionCursor;
import io.twinview.proto.v1.RunProgress;
import io.twinview.proto.v1.RunSpec;
import io.twinview.proto.v1.RunState;
import io.twinview.proto.v1.ViewBatch;
import io.twinview.proto.v1.ViewsCursor;
import io.twinview.trainer.optim.LearningRateSchedule;
import io.twinview.trainer.train.PairBatch;
import io.twinview.trainer.train.Stepper;
import io.twinview.trainer.train.TrainingState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * Trains one run: publishes tasks within the credit window, reads the views topic, drops
 * duplicates and malformed records, assembles global batches, steps the learner, checkpoints.
 * Runs on one thread from start to end (the learner and the Kafka consumer are single-threaded).
 */
public final class RunExecution {

    private static final Logger LOG = Logger.getLogger(RunExecution.class);
    private static final long PROGRESS_EVERY_NANOS = 500_000_000L;

    /**
     * Backpressure works at two places: at most {@code windowTasks} tasks are published and not
     * yet complete (all their records read), and the trainer stops reading while it holds
     * {@code max(2 x batch, windowTasks x samples_per_task)} pairs it has not trained on. Views in
     * flight (broker and trainer) therefore never exceed about twice the window, however fast the
     * workers are.
     *
     * @param windowTasks most tasks published and not yet complete
     * @param stallTimeout republish open tasks when nothing arrives and nothing trains for this long
     */
    public record Settings(int windowTasks, Duration stallTimeout, Duration pollTimeout) {}

    /** How a run ended: all its steps, out of views (records were rejected), or cancelled. */
    public enum End { COMPLETE, VIEWS_EXHAUSTED, CANCELLED }

    /** @param finalStep the step the run ended at */
    public record Outcome(long finalStep, End end, String message) {}

    private final String runId;
    private final ResolvedRun run;
    private final String viewsTopic;
    private final Stepper learner;
    private final TaskPlan plan;
    private final ViewSource views;
    private final TaskSink tasks;
    private final CheckpointSink checkpoints;
    private final Consumer<RunProgress> progress;
    private final Settings settings;
    private final LongSupplier clock;
    private final LearningRateSchedule schedule;
    private final BatchAssembler assembler;
    private final ProgressMeter meter = new ProgressMeter(20_000_000_000L);
    private final long startNanos;

    private TaskLedger ledger = new TaskLedger();
    /** Per partition, the record a resumed run must skip pairs of: offset and count. */
    private final Map<Integer, PartitionCursor> resumeSkips = new HashMap<>();
    private long step;
    private long pairsTrained;
    private long rejected;
    /** Samples workers could not read (ViewBatch.rejected_sample_indices of accepted records): seen, no pairs. */
    private long rejectedSamples;
    private long duplicates;
    private long nonFiniteSteps;
    private double lastLoss = Double.NaN;
    private double lastLearningRate;
    private long lastCheckpointStep;
    private long lastProgressNanos;
    /** Last time a record was accepted or a step trained: silence beyond the stall timeout means lost tasks. */
    private long lastActivityNanos;
    /** Pairs the trainer holds at most before it stops reading: with the task window, the bound on views in flight. */
    private final long maxBufferedPairs;
    private String message = "";
    private CollapseMonitors monitors = CollapseMonitors.getDefaultInstance();
    private volatile boolean cancelled;

    public RunExecution(String runId, ResolvedRun run, String viewsTopic, Stepper learner, TaskPlan plan,
                        ViewSource views, TaskSink tasks, CheckpointSink checkpoints,
                        Consumer<RunProgress> progress, Settings settings, LongSupplier clock) {
        this.runId = runId;
        this.run = run;
        this.viewsTopic = viewsTopic;
        this.learner = learner;
        this.plan = plan;
        this.views = views;
        this.tasks = tasks;
        this.checkpoints = checkpoints;
        this.progress = progress;
        this.settings = settings;
        this.clock = clock;
        RunSpec spec = run.spec();
        long warmupSteps = Math.round(spec.getOptimizer().getWarmupEpochs() * run.datasetSize() / spec.getBatchSize());
        this.schedule = new LearningRateSchedule(RunSpecs.peakLearningRate(spec), warmupSteps,
                run.totalSteps(), spec.getOptimizer().getSchedule().equals("cosine"));
        this.assembler = new BatchAssembler(spec.getBatchSize(), spec.getImageSize(), spec.getImageSize());
        this.startNanos = clock.getAsLong();
        this.lastActivityNanos = startNanos;
        this.maxBufferedPairs = Math.max(2L * spec.getBatchSize(), (long) settings.windowTasks() * spec.getSamplesPerTask());
    }

    /** Continues from a checkpoint of this run: weights, optimizer, ledger and read positions. */
    public void resumeFrom(Checkpoint checkpoint) {
        CheckpointManifest manifest = checkpoint.manifest();
        learner.restore(new TrainingState(
                checkpoint.object("encoder"), checkpoint.object("heads"), checkpoint.object("optimizer")));
        ViewsCursor cursor = manifest.getViews();
        step = manifest.getStep();
        lastCheckpointStep = step;
        pairsTrained = cursor.getPairsTrained();
        ledger = TaskLedger.restore(cursor.getNextTaskId(), cursor.getOpenTasksList());
        rejected = (long) manifest.getMetricsOrDefault(CheckpointMetrics.REJECTED_BATCHES, 0);
        rejectedSamples = (long) manifest.getMetricsOrDefault(CheckpointMetrics.REJECTED_SAMPLES, 0);
        duplicates = (long) manifest.getMetricsOrDefault(CheckpointMetrics.DUPLICATE_BATCHES, 0);
        nonFiniteSteps = (long) manifest.getMetricsOrDefault(CheckpointMetrics.NON_FINITE_STEPS, 0);
        lastLoss = manifest.getMetricsOrDefault(CheckpointMetrics.LOSS, Double.NaN);
        monitors = manifest.getMonitors();
        views.seek(cursor.getPartitionsList());
        for (PartitionCursor partition : cursor.getPartitionsList()) {
            if (partition.getSkipSamples() > 0) {
                resumeSkips.put(partition.getPartition(), partition);
            }
        }
        message = "resumed from step " + step;
        LOG.infof("run %s: resumed from checkpoint %s at step %d (%d pairs trained, %d tasks open)",
                runId, checkpoint.manifestKey(), step, pairsTrained, ledger.openCount());
    }

    public long step() {
        return step;
    }

    public void cancel() {
        cancelled = true;
    }

    /** Trains until the last step (or cancellation); the last step always gets a checkpoint. */
    public Outcome run() {
        emitProgress(RunState.RUN_STATE_RUNNING, true);
        while (step < run.totalSteps() && !cancelled) {
            publishWithinWindow();
            if (assembler.available() < maxBufferedPairs) { // a trainer slower than its workers stops reading
                for (ViewRecord record : views.poll(settings.pollTimeout())) {
                    handle(record);
                }
            }
            while (assembler.hasBatch() && step < run.totalSteps() && !cancelled) {
                trainOne();
            }
            if (dataExhausted()) {
                message = "views ran out at step " + step + " of " + run.totalSteps()
                        + " (rejected records lost their pairs; " + rejectedSamples
                        + " samples were unreadable, see the dead-letter topic): stopping early";
                LOG.warnf("run %s: %s", runId, message);
                if (lastCheckpointStep < step) {
                    checkpoint(true);
                }
                return new Outcome(step, End.VIEWS_EXHAUSTED, message);
            }
            republishIfStalled();
        }
        if (cancelled) {
            return new Outcome(step, End.CANCELLED, "cancelled at step " + step);
        }
        return new Outcome(step, End.COMPLETE, "finished " + step + " steps");
    }

    private void publishWithinWindow() {
        List<AugmentTask> batch = new ArrayList<>();
        while (ledger.openCount() < settings.windowTasks() && ledger.nextTaskId() < plan.totalTasks()) {
            AugmentTask task = plan.task(ledger.nextTaskId());
            ledger.published(task.getTaskId(), plan.batchCount(task.getSampleIndicesCount()));
            batch.add(task);
        }
        if (!batch.isEmpty()) {
            tasks.publish(batch);
        }
    }

    private void handle(ViewRecord record) {
        ViewBatch batch;
        try {
            batch = ViewBatch.parseFrom(record.value());
        } catch (InvalidProtocolBufferException e) {
            reject(record, "does not parse as a ViewBatch: " + e.getMessage());
            return;
        }
        String problem = ViewBatches.problem(batch, runId, run.spec().getImageSize());
        if (problem != null) {
            if (batch.getRunId().equals(runId) && batch.getSequence() < batch.getBatchCount()) {
                ledger.accept(batch.getTaskId(), batch.getSequence(), batch.getBatchCount()); // its pairs are lost; let the task complete
            }
            reject(record, problem);
            return;
        }
        lastActivityNanos = clock.getAsLong();
        if (ledger.accept(batch.getTaskId(), batch.getSequence(), batch.getBatchCount()) == TaskLedger.Verdict.DUPLICATE) {
            duplicates++;
            assembler.passed(record.partition(), record.offset());
            return;
        }
        if (batch.getRejectedSampleIndicesCount() > 0) {
            rejectedSamples += batch.getRejectedSampleIndicesCount();
            LOG.debugf("run %s: task %d record %d: %d unreadable sample(s) rejected by worker %s", runId,
                    batch.getTaskId(), batch.getSequence(), batch.getRejectedSampleIndicesCount(), batch.getWorkerId());
        }
        int skip = 0;
        PartitionCursor resume = resumeSkips.get(record.partition());
        if (resume != null && resume.getOffset() == record.offset()) {
            skip = resume.getSkipSamples();
            resumeSkips.remove(record.partition());
        }
        assembler.add(record.partition(), record.offset(), batch.getTaskId(), batch.getSequence(), batch.getBatchCount(),
                batch.getView1().toByteArray(), batch.getView2().toByteArray(),
                batch.getSampleIndicesList().stream().mapToLong(Long::longValue).toArray(), skip);
    }

    private void reject(ViewRecord record, String reason) {
        rejected++;
        assembler.passed(record.partition(), record.offset());
        LOG.warnf("run %s: skipped ViewBatch at %s partition %d offset %d: %s (%d skipped so far)",
                runId, viewsTopic, record.partition(), record.offset(), reason, rejected);
    }

    private void trainOne() {
        PairBatch batch = assembler.take();
        double learningRate = schedule.at(step);
        Stepper.StepResult result = learner.step(batch, learningRate, step + 1, run.totalSteps());
        step++;
        pairsTrained += batch.count();
        lastLearningRate = learningRate;
        lastActivityNanos = clock.getAsLong();
        if (result.finite()) {
            lastLoss = result.loss();
        } else {
            nonFiniteSteps++;
            message = "step " + step + " had a non-finite loss or gradient (loss " + result.loss() + "): update skipped, "
                    + nonFiniteSteps + " so far";
            LOG.warnf("run %s: %s", runId, message);
        }
        meter.record(clock.getAsLong(), pairsTrained);
        boolean last = step == run.totalSteps();
        if (step % run.spec().getCheckpointEverySteps() == 0 || last) {
            checkpoint(last);
        }
        emitProgress(RunState.RUN_STATE_RUNNING, last);
    }

    private boolean dataExhausted() {
        return ledger.nextTaskId() >= plan.totalTasks() && ledger.openCount() == 0 && !assembler.hasBatch()
                && step < run.totalSteps();
    }

    private void republishIfStalled() {
        long now = clock.getAsLong();
        if (ledger.openCount() == 0 || now - lastActivityNanos < settings.stallTimeout().toNanos()) {
            return;
        }
        List<AugmentTask> again = new ArrayList<>();
        for (long taskId : ledger.openTaskIds()) {
            if (taskId < plan.totalTasks()) {
                again.add(plan.task(taskId));
            }
        }
        message = "no views for " + settings.stallTimeout().toSeconds() + " s: republished " + again.size()
                + " open tasks (are augment workers running?)";
        LOG.warnf("run %s: %s", runId, message);
        tasks.publish(again);
        lastActivityNanos = now;
        emitProgress(RunState.RUN_STATE_RUNNING, true);
    }

    private void checkpoint(boolean last) {
        Optional<String> nonFinite = learner.nonFinite();
        if (nonFinite.isPresent()) {
            message = "no checkpoint at step " + step + ": " + nonFinite.get() + " holds NaN or infinite values"
                    + " (the newest checkpoint stays step " + lastCheckpointStep + ")";
            LOG.errorf("run %s: %s", runId, message);
            return;
        }
        TrainingState state = learner.state();
        monitors = learner.monitors().toProto(step);
        if (!monitors.getWarning().isEmpty()) {
            message = monitors.getWarning() + " at step " + step;
            LOG.warnf("run %s: %s", runId, message);
        }
        Map<String, Double> metrics = metrics();
        CheckpointManifest manifest = CheckpointManifest.newBuilder()
                .setRunId(runId)
                .setStep(step)
                .setEpoch(epoch())
                .setSpec(run.spec())
                .setViews(ViewsCursor.newBuilder()
                        .setTopic(viewsTopic)
                        .addAllPartitions(assembler.cursor(views.partitions()))
                        .setNextTaskId(ledger.nextTaskId())
                        .addAllOpenTasks(ledger.snapshot(assembler.untrained()))
                        .setPairsTrained(pairsTrained))
                .putAllMetrics(metrics)
                .setMonitors(monitors)
                .setCreatedAt(Timestamps.fromMillis(System.currentTimeMillis()))
                .build();
        Map<String, byte[]> objects = new LinkedHashMap<>();
        objects.put("encoder", state.encoder());
        objects.put("heads", state.heads());
        objects.put("optimizer", state.optimizer());
        String key = checkpoints.write(manifest, objects);
        checkpoints.announce(CheckpointEvent.newBuilder()
                .setRunId(runId)
                .setStep(step)
                .setEpoch(epoch())
                .setBucket(checkpoints.bucket())
                .setManifestKey(key)
                .setFinal(last)
                .putAllMetrics(metrics)
                .setCreatedAt(manifest.getCreatedAt())
                .build());
        lastCheckpointStep = step;
        LOG.infof("run %s: checkpoint at step %d -> %s", runId, step, key);
    }

    private Map<String, Double> metrics() {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put(CheckpointMetrics.LOSS, lastLoss);
        metrics.put(CheckpointMetrics.LEARNING_RATE, lastLearningRate);
        metrics.put(CheckpointMetrics.PAIRS_PER_SECOND, meter.pairsPerSecond());
        metrics.put(CheckpointMetrics.REJECTED_BATCHES, (double) rejected);
        metrics.put(CheckpointMetrics.DUPLICATE_BATCHES, (double) duplicates);
        metrics.put(CheckpointMetrics.REJECTED_SAMPLES, (double) rejectedSamples);
        metrics.put(CheckpointMetrics.NON_FINITE_STEPS, (double) nonFiniteSteps);
        return metrics;
    }

    private double epoch() {
        return (double) pairsTrained / run.datasetSize();
    }

    private void emitProgress(RunState state, boolean force) {
        long now = clock.getAsLong();
        if (!force && now - lastProgressNanos < PROGRESS_EVERY_NANOS) {
            return;
        }
        lastProgressNanos = now;
        progress.accept(snapshot(state));
    }

    /** The run's progress now, in the given state. */
    public RunProgress snapshot(RunState state) {
        long pairsLeft = (run.totalSteps() - step) * run.spec().getBatchSize();
        return RunProgress.newBuilder()
                .setRunId(runId)
                .setState(state)
                .setStep(step)
                .setTotalSteps(run.totalSteps())
                .setEpoch(epoch())
                .setTotalEpochs(run.spec().getEpochs())
                .setLoss(Double.isNaN(lastLoss) ? 0 : lastLoss)
                .setLearningRate(lastLearningRate)
                .setPairsPerSecond(meter.pairsPerSecond())
                .setEtaSeconds(meter.etaSeconds(pairsLeft))
                .setLastCheckpointStep(lastCheckpointStep)
                .setRejectedBatches(rejected)
                .setRejectedSamples(rejectedSamples)
                .setDuplicateBatches(duplicates)
                .setElapsedSeconds((clock.getAsLong() - startNanos) / 1e9)
                .setMessage(message)
                .setMonitors(monitors)
                .setNonFiniteSteps(nonFiniteSteps)
                .setAt(Timestamps.fromMillis(System.currentTimeMillis()))
                .build();
    }
}
