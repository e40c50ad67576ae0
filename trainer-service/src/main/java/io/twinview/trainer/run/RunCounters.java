package io.twinview.trainer.run;

import io.twinview.core.checkpoint.CheckpointMetrics;
import io.twinview.trainer.train.Stepper;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a run counts as it goes: records dropped, samples the workers could not read, steps that
 * went non-finite, and the last loss and learning rate. Every checkpoint carries them in its
 * {@code metrics} map under the {@link CheckpointMetrics} keys, and a resumed run reads them back
 * from there, so the counts cover the whole run across restarts.
 */
final class RunCounters {

    private long rejectedBatches;
    private long duplicateBatches;
    /** Samples workers could not read (ViewBatch.rejected_sample_indices of accepted records): seen, no pairs. */
    private long rejectedSamples;

    private long nonFiniteSteps;
    private double lastLoss = Double.NaN;
    private double learningRate;

    /** A record that did not parse or had the wrong shape; returns the count so far. */
    long rejectedBatch() {
        return ++rejectedBatches;
    }

    /** A record whose (task id, sequence) was consumed already. */
    void duplicateBatch() {
        duplicateBatches++;
    }

    void rejectedSamples(int count) {
        rejectedSamples += count;
    }

    /** One optimizer step: a non-finite one counts, and never becomes the last loss. */
    void stepped(double learningRate, Stepper.StepResult result) {
        this.learningRate = learningRate;
        if (result.finite()) {
            lastLoss = result.loss();
        } else {
            nonFiniteSteps++;
        }
    }

    long rejectedBatches() {
        return rejectedBatches;
    }

    long duplicateBatches() {
        return duplicateBatches;
    }

    long rejectedSamples() {
        return rejectedSamples;
    }

    long nonFiniteSteps() {
        return nonFiniteSteps;
    }

    RunTally tally() {
        return new RunTally(rejectedBatches, duplicateBatches, rejectedSamples, nonFiniteSteps);
    }

    /** Loss of the last finite step; NaN before the first. */
    double lastLoss() {
        return lastLoss;
    }

    double learningRate() {
        return learningRate;
    }

    /**
     * The counters as a checkpoint's metrics, with the throughput the run measured (not a counter:
     * it is never read back).
     */
    Map<String, Double> metrics(double pairsPerSecond) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put(CheckpointMetrics.LOSS, lastLoss);
        metrics.put(CheckpointMetrics.LEARNING_RATE, learningRate);
        metrics.put(CheckpointMetrics.PAIRS_PER_SECOND, pairsPerSecond);
        metrics.put(CheckpointMetrics.REJECTED_BATCHES, (double) rejectedBatches);
        metrics.put(CheckpointMetrics.DUPLICATE_BATCHES, (double) duplicateBatches);
        metrics.put(CheckpointMetrics.REJECTED_SAMPLES, (double) rejectedSamples);
        metrics.put(CheckpointMetrics.NON_FINITE_STEPS, (double) nonFiniteSteps);
        return metrics;
    }

    /**
     * Continues the counts of a checkpoint's {@link #metrics}; a key it lacks counts from zero. The
     * learning rate is not read back: the next step sets it from the schedule.
     */
    void restore(Map<String, Double> metrics) {
        rejectedBatches = count(metrics, CheckpointMetrics.REJECTED_BATCHES);
        rejectedSamples = count(metrics, CheckpointMetrics.REJECTED_SAMPLES);
        duplicateBatches = count(metrics, CheckpointMetrics.DUPLICATE_BATCHES);
        nonFiniteSteps = count(metrics, CheckpointMetrics.NON_FINITE_STEPS);
        lastLoss = metrics.getOrDefault(CheckpointMetrics.LOSS, Double.NaN);
    }

    private static long count(Map<String, Double> metrics, String key) {
        return (long) (double) metrics.getOrDefault(key, 0.0);
    }
}
