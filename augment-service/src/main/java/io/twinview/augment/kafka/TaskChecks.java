package io.twinview.augment.kafka;

import io.twinview.core.data.DatasetException;
import io.twinview.core.data.DatasetPolicy;
import io.twinview.core.data.ImageDataset;
import io.twinview.core.kafka.Topics;
import io.twinview.proto.AugmentSchema;
import io.twinview.proto.v1.AugmentTask;
import java.nio.charset.StandardCharsets;

/** What makes an AugmentTask workable, before and after its dataset is open. */
final class TaskChecks {

    static final int MIN_IMAGE_SIZE = 8;
    static final int MAX_IMAGE_SIZE = 512;
    /** Room left in a views record for the record batch header and key. */
    private static final int RECORD_OVERHEAD = 1024;

    private TaskChecks() {}

    /** Why the task's own fields cannot be worked on, or null when they can. */
    static String problem(AugmentTask task) {
        if (task.getSchemaVersion() != AugmentSchema.VERSION) {
            return "schema_version " + Integer.toUnsignedString(task.getSchemaVersion()) + ", this worker reads "
                    + AugmentSchema.VERSION;
        }
        if (task.getRunId().isEmpty()) {
            return "run_id is empty";
        }
        if (task.getViewsTopic().isEmpty()) {
            return "views_topic is empty";
        }
        String ownTopic = Topics.viewsTopic(task.getRunId());
        if (!task.getViewsTopic().equals(ownTopic)) { // a task may not write views into another run
            return "views_topic '" + task.getViewsTopic() + "' is not the views topic of run " + task.getRunId()
                    + "; allowed: '" + ownTopic + "' (the trainer's twinview.views.<run_id>)";
        }
        long imageSize = Integer.toUnsignedLong(task.getImageSize());
        if (imageSize < MIN_IMAGE_SIZE || imageSize > MAX_IMAGE_SIZE) {
            return "image_size " + imageSize + " outside " + MIN_IMAGE_SIZE + ".." + MAX_IMAGE_SIZE;
        }
        if (task.getMaxSamplesPerBatch() == 0) {
            return "max_samples_per_batch is 0";
        }
        int n = task.getSampleIndicesCount();
        if (n == 0) {
            return "no sample_indices";
        }
        long perRecord = Math.min(Integer.toUnsignedLong(task.getMaxSamplesPerBatch()), n);
        long bytes = recordBytes(task, perRecord);
        if (bytes > Topics.VIEWS_MAX_MESSAGE_BYTES) {
            return "max_samples_per_batch " + Integer.toUnsignedString(task.getMaxSamplesPerBatch()) + " at image_size "
                    + imageSize + " makes ViewBatch records of about " + bytes
                    + " bytes, over the views topic limit of "
                    + Topics.VIEWS_MAX_MESSAGE_BYTES + " (" + Topics.maxSamplesPerViewBatch((int) imageSize)
                    + " samples per record fit comfortably)";
        }
        return null;
    }

    /**
     * Why the task's dataset may not be opened by this worker (outside its {@code twinview.datasets.roots},
     * or not a dataset URI at all), or null when it may. Runs on every task, before the dataset is
     * opened or taken from the worker's cache, so a forged task cannot name what the trainer would refuse.
     */
    static String datasetProblem(AugmentTask task, DatasetPolicy datasets) {
        try {
            datasets.checkRoots(task.getDatasetUri());
            return null;
        } catch (DatasetException e) {
            return "dataset_uri: " + e.getMessage();
        }
    }

    /** Why a sample index is not in the dataset, or null when all are. */
    static String indexProblem(AugmentTask task, ImageDataset dataset) {
        for (int i = 0; i < task.getSampleIndicesCount(); i++) {
            long index = task.getSampleIndices(i);
            if (index < 0 || index >= dataset.size()) { // uint64 above 2^63 reads negative
                return "sample_indices[" + i + "] = " + Long.toUnsignedString(index) + " is not in " + dataset.uri()
                        + " (" + dataset.size() + " images)";
            }
        }
        return null;
    }

    /** ViewBatches of a task: ceil(n / max_samples_per_batch), as the trainer's TaskPlan counts them. */
    static int batchCount(AugmentTask task) {
        long max = Integer.toUnsignedLong(task.getMaxSamplesPerBatch());
        return (int) ((task.getSampleIndicesCount() + max - 1) / max);
    }

    /** Serialized size of a ViewBatch of {@code samples} samples, from above: pixels, varint indices, strings, framing. */
    private static long recordBytes(AugmentTask task, long samples) {
        long side = Integer.toUnsignedLong(task.getImageSize());
        long pixels = 2 * samples * side * side * 3;
        return pixels + 11 * samples + task.getRunId().getBytes(StandardCharsets.UTF_8).length + 256 + RECORD_OVERHEAD;
    }
}
