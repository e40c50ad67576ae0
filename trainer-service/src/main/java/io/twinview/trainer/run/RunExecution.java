package io.twinview.trainer.run;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.Timestamps;
import io.twinview.core.checkpoint.Checkpoint;
import io.twinview.core.checkpoint.SampleAccount;
import io.twinview.core.retry.Backoff;
import io.twinview.core.retry.Waits;
import io.twinview.proto.v1.AugmentTask;
import io.twinview.proto.v1.CheckpointManifest;
import io.twinview.proto.v1.CollapseMonitors;
import io.twinview.proto.v1.RunProgress;
import io.twinview.proto.v1.RunSpec;
import io.twinview.proto.v1.RunState;
import io.twinview.proto.v1.SampleCounts;
import io.twinview.proto.v1.TaskProgress;
import io.twinview.proto.v1.ViewsCursor;
import io.twinview.trainer.optim.LearningRateSchedule;
import io.twinview.trainer.train.PairBatch;
import io.twinview.trainer.train.Stepper;
import io.twinview.trainer.train.TrainingState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * Trains one run: keeps tasks published ({@link TaskWindow}), reads the views topic into pairs
 * ({@link ViewIntake}), assembles global batches, steps the learner and tells its listeners. What
 * reacts to the loop (warnings, collapse monitors, checkpoint cadence, progress) is a
 * {@link RunListener}. Runs on one thread from start to end (the learner and the Kafka consumer
 * are single-threaded).
 */
public final class RunExecution {

    /** The run loop's log: its pieces ({@link ViewIntake}, the listeners) write here too, so one category shows a run. */
    static final Logger LOG = Logger.getLogger(RunExecution.class);

    /**
     * Backpressure works at two places: at most {@code windowTasks} tasks are published and not
     * yet complete (all their records read), and the trainer stops reading while it holds
     * {@code max(2 x batch, windowTasks x samples_per_task)} pairs it has not trained on. Views in
     * flight (broker and trainer) therefore never exceed about twice the window, however fast the
     * workers are.
     *
     * @param windowTasks most tasks published and not yet complete
     * @param stallTimeout republish open tasks when nothing arrives and nothing trains for this long
     * @param minCheckpointInterval least time between two periodic checkpoints ({@link CheckpointCadence})
     */
    public record Settings(
            int windowTasks, Duration stallTimeout, Duration pollTimeout, Duration minCheckpointInterval) {

        /** No least time between checkpoints: every {@code checkpoint_every_steps} steps. */
        public Settings(int windowTasks, Duration stallTimeout, Duration pollTimeout) {
            this(windowTasks, stallTimeout, pollTimeout, Duration.ZERO);
        }
    }

    /**
     * How a run ended: all its steps, out of views (records were rejected), cancelled, or preempted
     * (the process is going away; the run continues in the next one from the checkpoint it ends with).
     */
    public enum End {
        COMPLETE,
        VIEWS_EXHAUSTED,
        CANCELLED,
        PREEMPTED
    }

    /** @param finalStep the step the run ended at */
    public record Outcome(long finalStep, End end, String message) {}

    private final String runId;
    private final ResolvedRun run;
    private final String viewsTopic;
    private final Stepper learner;
    private final ViewSource views;
    private final Settings settings;
    private final LongSupplier clock;
    private final LearningRateSchedule schedule;
    private final TaskPlan plan;
    /** Per epoch, every sample trained: the checkpoints' "samples" object. */
    private final SampleTally tally;

    private final BatchAssembler assembler;
    private final TaskWindow window;
    private final ViewIntake intake;
    private final CheckpointPublisher publisher;
    private final RunCounters counters = new RunCounters();
    private final LoopTime loopTime = new LoopTime();
    private final ProgressMeter meter = new ProgressMeter(20_000_000_000L);
    private final List<RunListener> listeners = new ArrayList<>();
    private final long startNanos;
    /** Pairs the trainer holds at most before it stops reading: with the task window, the bound on views in flight. */
    private final long maxBufferedPairs;

    private long step;
    private long pairsTrained;
    private long lastCheckpointStep;
    private String message = "";
    private CollapseMonitors monitors = CollapseMonitors.getDefaultInstance();
    private volatile boolean cancelled;
    private volatile boolean preempted;
    /** Asked whether any augment worker is there when the run stalls. */
    private WorkerProbe workers = WorkerProbe.UNKNOWN;

    private boolean waitingForWorkers;
    private int workerRepublishes;
    private long nextWorkerProbeNanos;
    private long nextWorkerRepublishNanos;
    /** The window's activity time after the last republish while waiting: a later one means views came. */
    private long activityAtWait;

    /** What the trainer process is waiting out (broker, storage, workers, a lease): shown by the progress. */
    private Waits waits = new Waits();

    /**
     * A run with the standard listeners: non-finite step warnings, checkpoint cadence, collapse
     * monitors at each checkpoint, and progress to {@code progress}.
     */
    public RunExecution(
            String runId,
            ResolvedRun run,
            String viewsTopic,
            Stepper learner,
            TaskPlan plan,
            ViewSource views,
            TaskSink tasks,
            CheckpointSink checkpoints,
            Consumer<RunProgress> progress,
            Settings settings,
            LongSupplier clock) {
        this.runId = runId;
        this.run = run;
        this.viewsTopic = viewsTopic;
        this.learner = learner;
        this.views = views;
        this.settings = settings;
        this.clock = clock;
        RunSpec spec = run.spec();
        long warmupSteps = Math.round(spec.getOptimizer().getWarmupEpochs() * run.datasetSize() / spec.getBatchSize());
        this.schedule = new LearningRateSchedule(
                RunSpecs.peakLearningRate(spec),
                warmupSteps,
                run.totalSteps(),
                spec.getOptimizer().getSchedule().equals("cosine"));
        this.plan = plan;
        this.tally = new SampleTally(run.datasetSize());
        this.assembler = new BatchAssembler(spec.getBatchSize(), spec.getImageSize(), spec.getImageSize(), plan, tally);
        this.startNanos = clock.getAsLong();
        this.window = new TaskWindow(
                plan, tasks, settings.windowTasks(), settings.stallTimeout(), startNanos, assembler::frontierTask);
        this.intake = new ViewIntake(runId, viewsTopic, spec.getImageSize(), plan, window, assembler, counters, clock);
        this.publisher = new CheckpointPublisher(runId, spec, checkpoints);
        this.maxBufferedPairs =
                Math.max(2L * spec.getBatchSize(), (long) settings.windowTasks() * spec.getSamplesPerTask());
        addListener(new NonFiniteStepWarning());
        addListener(new CheckpointCadence(
                spec.getCheckpointEverySteps(),
                settings.minCheckpointInterval().toNanos(),
                clock)); // a step's checkpoint before its progress
        addListener(new CollapseMonitorReader(learner));
        addListener(new ProgressEmitter(progress, clock));
    }

    /**
     * How often a run waiting for workers asks the probe again: a worker that joins gets the open
     * tasks within this time.
     */
    static final Duration WORKER_PROBE_INTERVAL = Duration.ofSeconds(2);

    /** Republishing while no worker is in the group: 5 s doubling to 5 minutes (the wait itself never gives up). */
    static final Backoff WORKER_REPUBLISH = new Backoff(Duration.ofSeconds(5), Duration.ofMinutes(5), Duration.ZERO);

    /** Asks {@code probe} whether any augment worker is there when the run stalls ({@link WorkerProbe}). */
    public void probeWorkers(WorkerProbe probe) {
        this.workers = probe;
    }

    /** Reports the waits of the process's clients (broker, storage) in this run's progress. */
    public void reportWaits(Waits shared) {
        this.waits = shared;
    }

    /** Called after the standard listeners, in the order added. */
    public void addListener(RunListener listener) {
        listeners.add(listener);
    }

    /**
     * Continues from a checkpoint of this run: weights, optimizer and method state, the position in
     * the ordered pair stream, the sample account, counters and read positions. The next batch is
     * the one the uninterrupted run trained after that checkpoint's step, bit for bit.
     */
    public void resumeFrom(Checkpoint checkpoint) {
        CheckpointManifest manifest = checkpoint.manifest();
        learner.restore(TrainingState.fromObjects(checkpoint::object));
        ViewsCursor cursor = manifest.getViews();
        step = manifest.getStep();
        lastCheckpointStep = step;
        pairsTrained = cursor.getPairsTrained();
        BatchAssembler.Position position = streamPosition(cursor);
        assembler.resumeAt(position);
        window.restore(
                TaskLedger.resumeAt(cursor.getNextTaskId(), position.taskId(), position.sequence(), plan::recordCount));
        if (checkpoint.objects().containsKey(SAMPLES)) {
            tally.restore(parseSamples(checkpoint.object(SAMPLES)));
        } else {
            LOG.warnf(
                    "run %s: checkpoint %s has no samples object: the sample account starts empty",
                    runId, checkpoint.manifestKey());
        }
        counters.restore(manifest.getMetricsMap());
        monitors = manifest.getMonitors();
        views.seek(cursor.getPartitionsList());
        message = "resumed from step " + step;
        LOG.infof(
                "run %s: resumed from checkpoint %s at step %d (%d pairs trained; stream at task %d record %d pair %d)",
                runId,
                checkpoint.manifestKey(),
                step,
                pairsTrained,
                position.taskId(),
                position.sequence(),
                position.skip());
    }

    /** The checkpoint object holding the sample account ({@link SampleCounts}). */
    public static final String SAMPLES = SampleAccount.OBJECT;

    private static SampleCounts parseSamples(byte[] data) {
        try {
            return SampleCounts.parseFrom(data);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(
                    "the checkpoint's samples object is not a SampleCounts: " + e.getMessage(), e);
        }
    }

    /**
     * Where the stream starts again. A checkpoint written before the ordered stream has none: it
     * starts at its lowest open task (pairs of that task trained before may be trained again).
     */
    private BatchAssembler.Position streamPosition(ViewsCursor cursor) {
        if (cursor.hasStreamTaskId()) {
            return new BatchAssembler.Position(
                    cursor.getStreamTaskId(), cursor.getStreamSequence(), cursor.getStreamSkipPairs());
        }
        @SuppressWarnings("deprecation")
        long first = cursor.getOpenTasksList().stream()
                .mapToLong(TaskProgress::getTaskId)
                .min()
                .orElse(cursor.getNextTaskId());
        LOG.warnf(
                "run %s: the checkpoint predates the ordered pair stream: resuming at task %d; pairs of it trained"
                        + " before may be trained again, and batches differ from an uninterrupted run's",
                runId, first);
        return new BatchAssembler.Position(first, 0, 0);
    }

    public long step() {
        return step;
    }

    public long totalSteps() {
        return run.totalSteps();
    }

    /** The step of the newest checkpoint this run wrote or resumed from; 0 before the first. */
    public long lastCheckpointStep() {
        return lastCheckpointStep;
    }

    public void cancel() {
        cancelled = true;
    }

    /**
     * The process is going away (SIGTERM: preemption, a rolling update): the loop ends after the
     * step in progress, with a checkpoint of that step, so the next process resumes exactly there.
     */
    public void preempt() {
        preempted = true;
    }

    private boolean stopping() {
        return cancelled || preempted;
    }

    /** Trains until the last step (or cancellation); the last step always gets a checkpoint. */
    public Outcome run() {
        listeners.forEach(listener -> listener.onBegin(this));
        while (step < run.totalSteps() && !stopping()) {
            window.publish();
            if (assembler.available() < maxBufferedPairs) { // a trainer slower than its workers stops reading
                long before = clock.getAsLong();
                views.poll(settings.pollTimeout()).forEach(intake::handle); // every batch is trained: none is ready
                loopTime.waited(clock.getAsLong() - before);
            }
            while (assembler.hasBatch() && step < run.totalSteps() && !stopping()) {
                trainOne();
            }
            if (window.exhausted() && !assembler.hasBatch() && step < run.totalSteps()) {
                note(
                        Logger.Level.WARN,
                        "views ran out at step " + step + " of " + run.totalSteps()
                                + " (rejected records lost their pairs; " + counters.rejectedSamples()
                                + " samples were unreadable, see the dead-letter topic): stopping early");
                ended(End.VIEWS_EXHAUSTED);
                return new Outcome(
                        step, End.VIEWS_EXHAUSTED, message); // the note, or the final checkpoint's warning after it
            }
            republishIfStalled();
        }
        if (preempted && step < run.totalSteps()) {
            ended(End.PREEMPTED); // checkpoints this step (CheckpointCadence)
            return new Outcome(
                    step,
                    End.PREEMPTED,
                    "preempted at step " + step + " (checkpoint at step " + lastCheckpointStep
                            + "): the next trainer process resumes there");
        }
        if (cancelled) {
            ended(End.CANCELLED);
            return new Outcome(step, End.CANCELLED, "cancelled at step " + step);
        }
        ended(End.COMPLETE);
        return new Outcome(step, End.COMPLETE, "finished " + step + " steps");
    }

    private void trainOne() {
        long started = clock.getAsLong();
        PairBatch batch = assembler.take();
        double learningRate = schedule.at(step);
        Stepper.StepResult result = learner.step(batch, learningRate, step + 1, run.totalSteps());
        loopTime.computed(clock.getAsLong() - started);
        step++;
        pairsTrained += batch.count();
        counters.stepped(learningRate, result);
        window.active(clock.getAsLong());
        meter.record(clock.getAsLong(), pairsTrained);
        listeners.forEach(listener -> listener.onStep(this, result));
    }

    private void republishIfStalled() {
        long now = clock.getAsLong();
        if (waitingForWorkers) {
            awaitWorkers(now);
            return;
        }
        window.stalled(now).ifPresent(again -> {
            OptionalInt members = workers.members();
            if (members.isPresent() && members.getAsInt() == 0) {
                waitingForWorkers = true;
                workerRepublishes = 1;
                nextWorkerProbeNanos = now + WORKER_PROBE_INTERVAL.toNanos();
                nextWorkerRepublishNanos = now + WORKER_REPUBLISH.delay(1).toNanos();
                waits.begin(
                        Waits.WORKERS,
                        "no augment worker is a member of " + workers.describe() + "; " + again.size()
                                + " open tasks go out again as soon as one joins");
                note(
                        Logger.Level.WARN,
                        "no views for " + settings.stallTimeout().toSeconds() + " s and no augment worker in "
                                + workers.describe() + ": waiting for workers (" + again.size()
                                + " open tasks republished)");
            } else {
                note(
                        Logger.Level.WARN,
                        "no views for " + settings.stallTimeout().toSeconds() + " s: republished " + again.size()
                                + " open tasks (are augment workers running?)");
            }
            window.republish(again, now);
            activityAtWait = window.lastActivityNanos();
            listeners.forEach(listener -> listener.onStall(this));
        });
    }

    /**
     * While no worker is in the group: asks again every {@link #WORKER_PROBE_INTERVAL}, republishes
     * the open tasks at once when a worker is back (or views arrive), and meanwhile with a capped
     * exponential backoff (in case the probe looks at the wrong group).
     */
    private void awaitWorkers(long now) {
        boolean viewsArrived = window.lastActivityNanos() > activityAtWait; // a record arrived or a step trained
        if (!viewsArrived && now < nextWorkerProbeNanos && now < nextWorkerRepublishNanos) {
            return;
        }
        OptionalInt members = viewsArrived ? OptionalInt.empty() : workers.members();
        nextWorkerProbeNanos = now + WORKER_PROBE_INTERVAL.toNanos();
        List<AugmentTask> open = window.openTasks();
        if (viewsArrived || open.isEmpty() || (members.isPresent() && members.getAsInt() > 0)) {
            waitingForWorkers = false;
            waits.end(Waits.WORKERS);
            if (!viewsArrived && !open.isEmpty()) {
                window.republish(open, now); // the new worker takes them now, not after the next backoff
            }
            note(Logger.Level.INFO, "augment workers are back: " + open.size() + " open tasks republished");
            return;
        }
        if (now >= nextWorkerRepublishNanos) {
            window.republish(open, now);
            activityAtWait = window.lastActivityNanos();
            workerRepublishes++;
            nextWorkerRepublishNanos =
                    now + WORKER_REPUBLISH.delay(workerRepublishes).toNanos();
        }
    }

    private void ended(End end) {
        if (waitingForWorkers) {
            waitingForWorkers = false;
            waits.end(Waits.WORKERS);
        }
        listeners.forEach(listener -> listener.onEnd(this, end));
    }

    /**
     * Checkpoints the current step, unless its state holds a NaN or infinity (then the newest
     * checkpoint stays the previous one, and the message says so).
     *
     * @param last whether the event marks it as the run's final checkpoint
     */
    void checkpoint(boolean last) {
        Optional<String> nonFinite = learner.nonFinite();
        if (nonFinite.isPresent()) {
            note(
                    Logger.Level.ERROR,
                    "no checkpoint at step " + step + ": " + nonFinite.get()
                            + " holds NaN or infinite values (the newest checkpoint stays step " + lastCheckpointStep
                            + ")");
            return;
        }
        TrainingState state = learner.state();
        listeners.forEach(listener -> listener.onCheckpoint(this));
        long started = clock.getAsLong();
        String key = publisher.publish(
                step,
                epoch(),
                cursor(),
                counters.metrics(meter.pairsPerSecond()),
                monitors,
                state,
                tally.toProto().toByteArray(),
                last);
        long publishNanos = clock.getAsLong() - started;
        lastCheckpointStep = step;
        listeners.forEach(listener -> listener.onCheckpointPublished(this, publishNanos));
        LOG.infof("run %s: checkpoint at step %d -> %s", runId, step, key);
    }

    /** Where a run resumed from this moment reads again, and what it has trained. */
    private ViewsCursor cursor() {
        BatchAssembler.Position position = assembler.position();
        return ViewsCursor.newBuilder()
                .setTopic(viewsTopic)
                .addAllPartitions(assembler.cursor(views.partitions()))
                .setNextTaskId(window.ledger().nextTaskId())
                .setPairsTrained(pairsTrained)
                .setStreamTaskId(position.taskId())
                .setStreamSequence(position.sequence())
                .setStreamSkipPairs(position.skip())
                .build();
    }

    RunCounters counters() {
        return counters;
    }

    public String runId() {
        return runId;
    }

    public String method() {
        return run.spec().getMethod();
    }

    /** Pairs trained so far, by this process and the ones it resumed from. */
    public long pairsTrained() {
        return pairsTrained;
    }

    /** Over the recent window of steps. */
    public double pairsPerSecond() {
        return meter.pairsPerSecond();
    }

    public RunTally tally() {
        return counters.tally();
    }

    /** Input wait and compute of this process's loop. */
    public LoopTime loopTime() {
        return loopTime;
    }

    /** Collapse monitors for the progress and the next checkpoint. */
    void setMonitors(CollapseMonitors monitors) {
        this.monitors = monitors;
    }

    /** Makes {@code text} the run's message (progress shows it until the next) and logs it at {@code level}. */
    void note(Logger.Level level, String text) {
        message = text;
        LOG.logf(level, "run %s: %s", runId, text);
    }

    private double epoch() {
        return (double) pairsTrained / run.datasetSize();
    }

    /** The run's progress now, in the given state. */
    public RunProgress snapshot(RunState state) {
        long pairsLeft = (run.totalSteps() - step) * run.spec().getBatchSize();
        Optional<Waits.Wait> wait = waits.oldest();
        return RunProgress.newBuilder()
                .setRunId(runId)
                .setState(state)
                .setStep(step)
                .setTotalSteps(run.totalSteps())
                .setEpoch(epoch())
                .setTotalEpochs(run.spec().getEpochs())
                .setLoss(Double.isNaN(counters.lastLoss()) ? 0 : counters.lastLoss())
                .setLearningRate(counters.learningRate())
                .setPairsPerSecond(meter.pairsPerSecond())
                .setEtaSeconds(meter.etaSeconds(pairsLeft))
                .setLastCheckpointStep(lastCheckpointStep)
                .setRejectedBatches(counters.rejectedBatches())
                .setRejectedSamples(counters.rejectedSamples())
                .setDuplicateBatches(counters.duplicateBatches())
                .setElapsedSeconds((clock.getAsLong() - startNanos) / 1e9)
                .setMessage(wait.map(w -> w.describe(Instant.now())).orElse(message))
                .setWaitingFor(wait.map(Waits.Wait::on).orElse(""))
                .setMonitors(monitors)
                .setNonFiniteSteps(counters.nonFiniteSteps())
                .setInputWaitFraction(loopTime.inputWaitFraction())
                .setAt(Timestamps.fromMillis(System.currentTimeMillis()))
                .build();
    }
}
