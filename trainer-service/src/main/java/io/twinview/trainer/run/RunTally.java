package io.twinview.trainer.run;

/**
 * What a run has counted so far, across restarts (a resumed run continues its checkpoint's counts).
 *
 * @param rejectedBatches view records that did not parse or did not fit the run
 * @param duplicateBatches view records whose (task id, sequence) was consumed already
 * @param rejectedSamples samples the workers could not read
 * @param nonFiniteSteps steps whose loss was NaN or infinite
 */
public record RunTally(long rejectedBatches, long duplicateBatches, long rejectedSamples, long nonFiniteSteps) {}
