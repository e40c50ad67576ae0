package io.twinview.core.checkpoint;

/**
 * Keys of the {@code metrics} map of a {@code CheckpointManifest} and a {@code CheckpointEvent}: the
 * trainer writes them, a resumed trainer and eval-service read them. One name per counter, here.
 */
public final class CheckpointMetrics {

    /** Loss of the last finite step. */
    public static final String LOSS = "loss";
    /** Learning rate of the last step (the base rate, before per-role scales). */
    public static final String LEARNING_RATE = "learning_rate";
    /** Training throughput over the recent window. */
    public static final String PAIRS_PER_SECOND = "pairs_per_second";
    /** ViewBatch records that did not parse or had the wrong shape. */
    public static final String REJECTED_BATCHES = "rejected_batches";
    /** Records dropped because their (task id, sequence) had been consumed already. */
    public static final String DUPLICATE_BATCHES = "duplicate_batches";
    /** Samples the workers could not read (each also on the dead-letter topic). */
    public static final String REJECTED_SAMPLES = "rejected_samples";
    /** Steps whose loss or gradient was NaN or infinite: skipped. */
    public static final String NON_FINITE_STEPS = "non_finite_steps";

    private CheckpointMetrics() {}
}
