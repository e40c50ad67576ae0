package io.twinview.trainer.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.core.checkpoint.CheckpointMetrics;
import io.twinview.core.checkpoint.ProtoJson;
import io.twinview.proto.v1.CheckpointManifest;
import io.twinview.trainer.train.Stepper;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RunCountersTest {

    private static RunCounters counted() {
        RunCounters counters = new RunCounters();
        counters.rejectedBatch();
        counters.rejectedBatch();
        counters.duplicateBatch();
        counters.rejectedSamples(3);
        counters.rejectedSamples(4);
        counters.stepped(0.1, Stepper.StepResult.finite(2.5));
        counters.stepped(0.2, Stepper.StepResult.skipped(Double.NaN, "the loss"));
        return counters;
    }

    @Test
    void countsWhatTheRunReports() {
        RunCounters counters = counted();
        assertEquals(2, counters.rejectedBatches());
        assertEquals(1, counters.duplicateBatches());
        assertEquals(7, counters.rejectedSamples());
        assertEquals(1, counters.nonFiniteSteps(), "the NaN step is counted");
        assertEquals(2.5, counters.lastLoss(), "a NaN never becomes the last loss");
        assertEquals(0.2, counters.learningRate(), "the learning rate is the last step's, finite or not");
        assertEquals(3, counters.rejectedBatch(), "rejectedBatch returns the count so far, for the log line");
    }

    @Test
    void theMetricsUseTheSharedKeysInTheOrderTheyAreWritten() {
        Map<String, Double> metrics = counted().metrics(42.0);
        assertEquals(
                List.of(
                        CheckpointMetrics.LOSS,
                        CheckpointMetrics.LEARNING_RATE,
                        CheckpointMetrics.PAIRS_PER_SECOND,
                        CheckpointMetrics.REJECTED_BATCHES,
                        CheckpointMetrics.DUPLICATE_BATCHES,
                        CheckpointMetrics.REJECTED_SAMPLES,
                        CheckpointMetrics.NON_FINITE_STEPS),
                List.copyOf(metrics.keySet()),
                "every counter under its CheckpointMetrics key, throughput third");
        assertEquals(42.0, metrics.get(CheckpointMetrics.PAIRS_PER_SECOND));
        assertEquals(7.0, metrics.get(CheckpointMetrics.REJECTED_SAMPLES));
    }

    @Test
    void aResumedRunContinuesTheCountsOfItsCheckpointManifest() {
        RunCounters before = counted();
        byte[] stored = ProtoJson.toJson(CheckpointManifest.newBuilder()
                .putAllMetrics(before.metrics(42.0))
                .build());
        CheckpointManifest read = ProtoJson.parse(stored, CheckpointManifest.newBuilder(), "manifest")
                .build();

        RunCounters after = new RunCounters();
        after.restore(read.getMetricsMap());

        assertEquals(before.rejectedBatches(), after.rejectedBatches(), "rejected batches survive the manifest");
        assertEquals(before.duplicateBatches(), after.duplicateBatches(), "duplicates survive the manifest");
        assertEquals(before.rejectedSamples(), after.rejectedSamples(), "unreadable samples survive the manifest");
        assertEquals(before.nonFiniteSteps(), after.nonFiniteSteps(), "non-finite steps survive the manifest");
        assertEquals(before.lastLoss(), after.lastLoss(), "the last loss survives the manifest");
        assertEquals(0.0, after.learningRate(), "the learning rate is not read back: the next step sets it");
        after.rejectedBatch();
        assertEquals(before.rejectedBatches() + 1, after.rejectedBatches(), "counting goes on from the stored count");
    }

    @Test
    void aManifestWithoutMetricsCountsFromZero() {
        RunCounters counters = counted();
        counters.restore(Map.of());
        assertEquals(
                0,
                counters.rejectedBatches()
                        + counters.duplicateBatches()
                        + counters.rejectedSamples()
                        + counters.nonFiniteSteps(),
                "no key, no count");
        assertTrue(Double.isNaN(counters.lastLoss()), "no loss yet");
    }
}
