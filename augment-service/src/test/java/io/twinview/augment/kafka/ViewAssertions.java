package io.twinview.augment.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.twinview.augment.TwoViewAugmenter;
import io.twinview.core.data.Datasets;
import io.twinview.core.data.ImageDataset;
import io.twinview.proto.AugmentSchema;
import io.twinview.proto.v1.AugmentTask;
import io.twinview.proto.v1.ViewBatch;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Checks a views topic's records against the task they were made of. */
final class ViewAssertions {

    private ViewAssertions() {}

    /**
     * Exactly ceil(n / max) records, one per sequence, in order within one partition, keyed by the
     * task id, each of the right shape and byte length, together covering the task's indices in
     * order, with pixels equal to those {@link TwoViewAugmenter} makes directly.
     *
     * @return the batches, by sequence
     */
    static List<ViewBatch> assertViewsOf(
            AugmentTask task, List<ConsumerRecord<byte[], byte[]>> records, String workerId) {
        return assertViewsOf(task, records, workerId, Set.of());
    }

    /**
     * As above, where the samples in {@code unreadable} could not be read: each record's chunk of
     * the task's indices is split into the read ones ({@code sample_indices}, with views) and the
     * rejected ones ({@code rejected_sample_indices}, without), both in the task's order.
     */
    static List<ViewBatch> assertViewsOf(
            AugmentTask task, List<ConsumerRecord<byte[], byte[]>> records, String workerId, Set<Long> unreadable) {
        int n = task.getSampleIndicesCount();
        int max = task.getMaxSamplesPerBatch();
        int expectedCount = (n + max - 1) / max;
        assertEquals(
                expectedCount,
                records.size(),
                "the views topic holds exactly ceil(" + n + " / " + max + ") records for the task");
        assertEquals(
                1,
                records.stream().map(ConsumerRecord::partition).distinct().count(),
                "records keyed by the task id share one partition");
        List<ConsumerRecord<byte[], byte[]>> byOffset = new ArrayList<>(records);
        byOffset.sort(Comparator.comparingLong(ConsumerRecord::offset));

        TwoViewAugmenter augmenter =
                new TwoViewAugmenter(PolicyMapper.toDomain(task.getRecipe(), task.getImageSize()), task.getImageSize());
        ImageDataset dataset = Datasets.open(task.getDatasetUri());
        int s = task.getImageSize();
        int viewBytes = s * s * 3;
        List<Long> covered = new ArrayList<>();
        List<ViewBatch> batches = new ArrayList<>();
        for (int i = 0; i < byOffset.size(); i++) {
            ConsumerRecord<byte[], byte[]> record = byOffset.get(i);
            ViewBatch batch = KafkaTestSupport.parse(record);
            batches.add(batch);
            assertEquals(
                    Long.toUnsignedString(task.getTaskId()),
                    new String(record.key(), StandardCharsets.UTF_8),
                    "the record key is the task id");
            assertEquals(i, batch.getSequence(), "records of a task arrive in sequence order");
            assertEquals(expectedCount, batch.getBatchCount(), "batch_count is the trainer's ceil(n / max)");
            assertEquals(AugmentSchema.VERSION, batch.getSchemaVersion(), "schema_version");
            assertEquals(task.getRunId(), batch.getRunId(), "run_id copied from the task");
            assertEquals(task.getEpoch(), batch.getEpoch(), "epoch copied from the task");
            assertEquals(task.getTaskId(), batch.getTaskId(), "task_id copied from the task");
            assertEquals(s, batch.getHeight(), "height is the task's image_size");
            assertEquals(s, batch.getWidth(), "width is the task's image_size");
            assertEquals(3, batch.getChannels(), "RGB");
            assertEquals(workerId, batch.getWorkerId(), "worker_id names the worker");
            List<Long> chunk = task.getSampleIndicesList().subList(i * max, Math.min(n, (i + 1) * max));
            assertEquals(
                    chunk.stream().filter(index -> !unreadable.contains(index)).toList(),
                    batch.getSampleIndicesList(),
                    "record " + i + " holds the readable samples of the next chunk of at most max samples, in order");
            assertEquals(
                    chunk.stream().filter(unreadable::contains).toList(),
                    batch.getRejectedSampleIndicesList(),
                    "record " + i + " lists the unreadable samples of its chunk as rejected, in order");
            int samples = batch.getSampleIndicesCount();
            assertEquals((long) samples * viewBytes, batch.getView1().size(), "view1 is n*s*s*3 bytes");
            assertEquals((long) samples * viewBytes, batch.getView2().size(), "view2 is n*s*s*3 bytes");
            byte[] view1 = batch.getView1().toByteArray();
            byte[] view2 = batch.getView2().toByteArray();
            byte[] expected1 = new byte[viewBytes];
            byte[] expected2 = new byte[viewBytes];
            for (int j = 0; j < samples; j++) {
                long index = batch.getSampleIndices(j);
                augmenter.augment(dataset, (int) index, task.getSeed(), task.getEpoch(), expected1, 0, expected2, 0);
                assertArrayEquals(
                        expected1,
                        Arrays.copyOfRange(view1, j * viewBytes, (j + 1) * viewBytes),
                        "view 1 of sample " + index + " is what TwoViewAugmenter makes for (seed, epoch, index)");
                assertArrayEquals(
                        expected2,
                        Arrays.copyOfRange(view2, j * viewBytes, (j + 1) * viewBytes),
                        "view 2 of sample " + index + " is what TwoViewAugmenter makes for (seed, epoch, index)");
            }
            covered.addAll(chunk);
        }
        assertEquals(
                task.getSampleIndicesList(),
                covered,
                "the records' chunks together are the task's sample indices, in the task's order");
        return batches;
    }
}
