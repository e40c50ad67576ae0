package io.twinview.trainer.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.twinview.core.retry.Waits;
import io.twinview.trainer.run.LoopTime;
import io.twinview.trainer.run.RunExecution;
import io.twinview.trainer.run.RunListener;
import io.twinview.trainer.run.RunTally;
import io.twinview.trainer.train.Stepper;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The run loop as Prometheus metrics ({@code /q/metrics}), a listener on every run of this process.
 *
 * <p>Counters and timers carry no run tag: a trainer trains one run at a time, so a rate over them
 * is the current run's, and series do not pile up run after run. Which run that is, is the one
 * {@code twinview_trainer_run_active{run, method}} series (1 while it trains, gone after). Counts a
 * resumed run inherits from its checkpoint are not counted again: a counter counts this process's
 * work. Everything is read on the training thread; scrapes read volatile copies.
 *
 * <p>{@code twinview_waiting{on="broker|storage|workers|lease"}} is 1 while the service waits out
 * that dependency (its {@link Waits}), else 0.
 */
public final class TrainerMetrics implements RunListener {

    private static final String PREFIX = "twinview.trainer.";

    private final MeterRegistry registry;
    private final Counter pairs;
    private final Counter steps;
    private final Counter rejectedRecords;
    private final Counter duplicateRecords;
    private final Counter rejectedSamples;
    private final Counter nonFiniteSteps;
    private final Timer inputWait;
    private final Timer compute;
    private final Timer checkpointPublish;

    private volatile double pairsPerSecond;
    private volatile double inputWaitFraction;
    private volatile long step;
    private Gauge runInfo;
    private long pairsSeen;
    private RunTally tallySeen;

    /** @param waits what the service's clients are waiting out, as {@code twinview_waiting{on}} */
    public TrainerMetrics(MeterRegistry registry, Waits waits) {
        this.registry = registry;
        for (String on : List.of(Waits.BROKER, Waits.STORAGE, Waits.WORKERS, Waits.LEASE)) {
            Gauge.builder("twinview.waiting", waits, w -> w.waiting(on) ? 1 : 0)
                    .description("1 while the service waits out this dependency (retrying), else 0")
                    .tag("on", on)
                    .register(registry);
        }
        pairs = counter("pairs.trained", "Pairs of views trained on (a step trains batch-size pairs)");
        steps = counter("steps", "Optimizer steps taken");
        rejectedRecords = counter("records.rejected", "View records skipped: unparseable or not fitting the run");
        duplicateRecords = counter("records.duplicate", "View records dropped: their (task id, sequence) was read");
        rejectedSamples = counter("samples.rejected", "Samples the augment workers could not read");
        nonFiniteSteps =
                counter("steps.nonfinite", "Steps whose loss or gradient was NaN or infinite (update skipped)");
        inputWait = timer("step.input.wait", "Per step: time the loop waited for views since the step before");
        compute = timer("step.compute", "Per step: time assembling the batch and stepping the learner");
        checkpointPublish = timer("checkpoint.publish", "Time to store a checkpoint in S3 and announce it on Kafka");
        Gauge.builder(PREFIX + "pairs.per.second", this, m -> m.pairsPerSecond)
                .description("Pairs trained per second over the recent window of steps")
                .register(registry);
        Gauge.builder(PREFIX + "input.wait.fraction", this, m -> m.inputWaitFraction)
                .description("Time waiting for views / (waiting + computing), this process's run so far")
                .register(registry);
        Gauge.builder(PREFIX + "step", this, m -> m.step)
                .description("The current run's step")
                .register(registry);
    }

    private Counter counter(String name, String description) {
        return Counter.builder(PREFIX + name).description(description).register(registry);
    }

    private Timer timer(String name, String description) {
        return Timer.builder(PREFIX + name).description(description).register(registry);
    }

    @Override
    public void onBegin(RunExecution run) {
        pairsSeen = run.pairsTrained();
        tallySeen = run.tally();
        step = run.step();
        removeRunInfo(); // a run that failed mid-step had no onEnd
        runInfo = Gauge.builder(PREFIX + "run.active", () -> 1)
                .description("1 for the run this trainer is training")
                .tags("run", run.runId(), "method", run.method())
                .register(registry);
    }

    @Override
    public void onStep(RunExecution run, Stepper.StepResult result) {
        steps.increment();
        LoopTime.Step time = run.loopTime().lastStep();
        inputWait.record(time.waitNanos(), TimeUnit.NANOSECONDS);
        compute.record(time.computeNanos(), TimeUnit.NANOSECONDS);
        pairs.increment(run.pairsTrained() - pairsSeen);
        pairsSeen = run.pairsTrained();
        step = run.step();
        pairsPerSecond = run.pairsPerSecond();
        inputWaitFraction = run.loopTime().inputWaitFraction();
        countTally(run.tally());
    }

    @Override
    public void onCheckpointPublished(RunExecution run, long publishNanos) {
        checkpointPublish.record(publishNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void onStall(RunExecution run) {
        countTally(run.tally());
    }

    @Override
    public void onEnd(RunExecution run, RunExecution.End end) {
        countTally(run.tally());
        inputWaitFraction = run.loopTime().inputWaitFraction();
        pairsPerSecond = 0;
        removeRunInfo();
    }

    private void removeRunInfo() {
        if (runInfo != null) {
            registry.remove(runInfo);
            runInfo = null;
        }
    }

    /** Counts what the run counted since the last call. */
    private void countTally(RunTally now) {
        rejectedRecords.increment(now.rejectedBatches() - tallySeen.rejectedBatches());
        duplicateRecords.increment(now.duplicateBatches() - tallySeen.duplicateBatches());
        rejectedSamples.increment(now.rejectedSamples() - tallySeen.rejectedSamples());
        nonFiniteSteps.increment(now.nonFiniteSteps() - tallySeen.nonFiniteSteps());
        tallySeen = now;
    }
}
