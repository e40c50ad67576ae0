package io.twinview.proto;

/**
 * The version of the augment contracts ({@code twinview/v1/augment.proto}): the {@code schema_version}
 * that the trainer writes into every AugmentTask, that workers write into every ViewBatch and
 * RejectedSample, and that each side checks before it reads a record.
 */
public final class AugmentSchema {

    /** {@code schema_version} of AugmentTask, ViewBatch and RejectedSample. */
    public static final int VERSION = 1;

    private AugmentSchema() {}
}
