package io.twinview.trainer.run;

import io.twinview.proto.AugmentSchema;
import io.twinview.proto.v1.ViewBatch;

/** What makes a ViewBatch record trainable. */
final class ViewBatches {

    private ViewBatches() {}

    /** Why the record cannot be trained on, or null when it can. */
    static String problem(ViewBatch batch, String runId, int imageSize) {
        if (batch.getSchemaVersion() != AugmentSchema.VERSION) {
            return "schema_version " + batch.getSchemaVersion() + ", this trainer reads " + AugmentSchema.VERSION;
        }
        if (!batch.getRunId().equals(runId)) {
            return "run_id '" + batch.getRunId() + "' is not this run's '" + runId + "'";
        }
        if (batch.getHeight() != imageSize || batch.getWidth() != imageSize || batch.getChannels() != 3) {
            return "shape " + batch.getHeight() + "x" + batch.getWidth() + "x" + batch.getChannels()
                    + ", the run trains on " + imageSize + "x" + imageSize + "x3";
        }
        int n = batch.getSampleIndicesCount();
        if (n == 0 && batch.getRejectedSampleIndicesCount() == 0) {
            return "no samples";
        }
        // n == 0 with rejected samples: every sample of the chunk was unreadable; the record still
        // counts for its task's completion and brings no pairs
        long expected = (long) n * imageSize * imageSize * 3;
        if (batch.getView1().size() != expected || batch.getView2().size() != expected) {
            return "views of " + batch.getView1().size() + " and "
                    + batch.getView2().size() + " bytes, " + n + " samples need " + expected + " each";
        }
        if (batch.getBatchCount() == 0 || batch.getSequence() >= batch.getBatchCount()) {
            return "sequence " + batch.getSequence() + " outside batch_count " + batch.getBatchCount();
        }
        return null;
    }
}
