package io.twinview.trainer.run;

import io.twinview.proto.v1.RetentionSpec;

/**
 * Which checkpoints of a run stay in object storage: the newest {@code keepLast}, the
 * {@code keepBest} best-scoring, and always the newest (see {@link CheckpointRetention}).
 *
 * @param keepLast newest checkpoints kept; 0 keeps every checkpoint
 * @param keepBest best-scoring checkpoints kept besides
 */
public record RetentionPolicy(int keepLast, int keepBest) {

    /** {@code twinview.trainer.retention.*}'s defaults: the newest 5 and the best 1. */
    public static final RetentionPolicy DEFAULTS = new RetentionPolicy(5, 1);

    public RetentionPolicy {
        if (keepLast < 0) {
            throw new IllegalArgumentException("twinview.trainer.retention.keep-last = " + keepLast
                    + " is not valid: 0 (keep every checkpoint) or more");
        }
        if (keepBest < 0) {
            throw new IllegalArgumentException(
                    "twinview.trainer.retention.keep-best = " + keepBest + " is not valid: 0 or more");
        }
    }

    /** Whether every checkpoint is kept. */
    public boolean keepsAll() {
        return keepLast == 0;
    }

    /** The policy of a resolved spec (every field set). */
    public static RetentionPolicy of(RetentionSpec spec) {
        return new RetentionPolicy(spec.getKeepLast(), spec.getKeepBest());
    }

    /**
     * The requested fields over these defaults.
     *
     * @throws InvalidRunSpecException naming {@code retention.keep_last} or {@code retention.keep_best}
     */
    RetentionSpec resolve(RetentionSpec requested) {
        int last = requested.hasKeepLast() ? requested.getKeepLast() : keepLast;
        if (last < 0) {
            throw new InvalidRunSpecException(
                    "retention.keep_last",
                    last,
                    "0 (keep every checkpoint) or more; unset = " + keepLast
                            + " (twinview.trainer.retention.keep-last)");
        }
        int best = requested.hasKeepBest() ? requested.getKeepBest() : keepBest;
        if (best < 0) {
            throw new InvalidRunSpecException(
                    "retention.keep_best",
                    best,
                    "0 or more best-scoring checkpoints; unset = " + keepBest
                            + " (twinview.trainer.retention.keep-best)");
        }
        return RetentionSpec.newBuilder().setKeepLast(last).setKeepBest(best).build();
    }
}
