package io.twinview.trainer.run;

import io.twinview.proto.AugmentSchema;
import io.twinview.proto.v1.ViewBatch;
import java.util.Arrays;

/**
 * What makes a ViewBatch record trainable, checked field by field against the run's task plan
 * before any field is used. A record comes from whoever can write to the views topic, so nothing
 * in it is trusted: its task must be one of the plan's, its sequence and batch count the plan's
 * for that task, its samples exactly the plan's for that record, and its pixels as many bytes as
 * those samples need.
 */
final class ViewBatches {

    private ViewBatches() {}

    /**
     * Why the record does not name a record of this run's plan (schema, run, task, epoch, sequence,
     * batch count, samples), or null when it does. A record with such a problem is forged or
     * corrupt beyond use: it must not touch the task ledger.
     */
    static String identityProblem(ViewBatch batch, String runId, TaskPlan plan) {
        if (batch.getSchemaVersion() != AugmentSchema.VERSION) {
            return "schema_version " + Integer.toUnsignedString(batch.getSchemaVersion()) + ", this trainer reads "
                    + AugmentSchema.VERSION;
        }
        if (!batch.getRunId().equals(runId)) {
            return "run_id '" + abbreviate(batch.getRunId()) + "' is not this run's '" + runId + "'";
        }
        long taskId = batch.getTaskId(); // uint64: 2^63 and above read as negative
        if (taskId < 0 || taskId >= plan.totalTasks()) {
            return "task_id " + Long.toUnsignedString(taskId) + " is not a task of this run (0.."
                    + (plan.totalTasks() - 1) + ")";
        }
        if (batch.getEpoch() != plan.epoch(taskId)) {
            return "epoch " + Integer.toUnsignedString(batch.getEpoch()) + ", task " + taskId + " is of epoch "
                    + plan.epoch(taskId);
        }
        int records = plan.recordCount(taskId);
        if (batch.getBatchCount() != records) {
            return "batch_count " + Integer.toUnsignedString(batch.getBatchCount()) + ", task " + taskId + " has "
                    + records + " records";
        }
        int sequence = batch.getSequence(); // uint32: 0xFFFFFFFF reads as -1
        if (sequence < 0 || sequence >= records) {
            return "sequence " + Integer.toUnsignedString(sequence) + " outside task " + taskId + "'s records 0.."
                    + (records - 1);
        }
        return sampleProblem(batch, plan.chunk(taskId, sequence));
    }

    /**
     * Why the record's pixels cannot be trained on (shape, byte counts), or null when they can.
     * Checked once its identity is the plan's: such a record counts for its task (its pairs are
     * lost) so that a worker that writes bad pixels cannot keep a task open forever.
     */
    static String payloadProblem(ViewBatch batch, int imageSize) {
        if (batch.getHeight() != imageSize || batch.getWidth() != imageSize || batch.getChannels() != 3) {
            return "shape " + Integer.toUnsignedString(batch.getHeight()) + "x"
                    + Integer.toUnsignedString(batch.getWidth()) + "x" + Integer.toUnsignedString(batch.getChannels())
                    + ", the run trains on " + imageSize + "x" + imageSize + "x3";
        }
        int n = batch.getSampleIndicesCount();
        long expected = (long) n * imageSize * imageSize * 3;
        if (batch.getView1().size() != expected || batch.getView2().size() != expected) {
            return "views of " + batch.getView1().size() + " and "
                    + batch.getView2().size() + " bytes, " + n + " samples of " + imageSize + "x" + imageSize
                    + "x3 need " + expected + " each";
        }
        return null;
    }

    /**
     * The record's read samples must be its chunk of the task in the task's order, less the ones
     * it lists as rejected; read and rejected together are exactly the chunk.
     */
    private static String sampleProblem(ViewBatch batch, long[] chunk) {
        int read = batch.getSampleIndicesCount();
        int rejected = batch.getRejectedSampleIndicesCount();
        if ((long) read + rejected != chunk.length) {
            return read + " read and " + rejected + " rejected samples, task " + batch.getTaskId() + " record "
                    + batch.getSequence() + " has " + chunk.length;
        }
        long[] missing = new long[rejected];
        int next = 0;
        int missed = 0;
        for (long sample : chunk) {
            if (next < read && batch.getSampleIndices(next) == sample) {
                next++;
            } else if (missed < rejected) {
                missing[missed++] = sample;
            } else {
                break;
            }
        }
        if (next < read) {
            return "sample index " + Long.toUnsignedString(batch.getSampleIndices(next)) + " is not in task "
                    + batch.getTaskId() + " record " + batch.getSequence() + " (or out of the task's order)";
        }
        long[] listed = batch.getRejectedSampleIndicesList().stream()
                .mapToLong(Long::longValue)
                .sorted()
                .toArray();
        Arrays.sort(missing);
        if (!Arrays.equals(listed, missing)) {
            return "rejected_sample_indices are not the rest of task " + batch.getTaskId() + " record "
                    + batch.getSequence();
        }
        return null;
    }

    /** A field from a forged record, cut short for a log line. */
    private static String abbreviate(String value) {
        return value.length() <= 64 ? value : value.substring(0, 64) + "...(" + value.length() + " chars)";
    }
}
