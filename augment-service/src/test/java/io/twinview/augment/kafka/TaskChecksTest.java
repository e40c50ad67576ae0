package io.twinview.augment.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.core.data.DatasetLimits;
import io.twinview.core.data.DatasetPolicy;
import io.twinview.core.data.DatasetRoots;
import io.twinview.core.data.Datasets;
import io.twinview.core.kafka.Topics;
import io.twinview.proto.v1.AugmentTask;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class TaskChecksTest {

    private static final AugmentTask GOOD = KafkaTestSupport.task(
                    "run-a", 9, "synthetic:?n=300", LongStream.range(0, 300).toArray(), 64)
            .build();

    @Test
    void batchCountIsTheTrainersCeilingOfSamplesOverMax() {
        for (int n = 1; n <= 300; n += 37) {
            for (int max : new int[] {1, 2, 7, 64, 300, 1000}) {
                AugmentTask task = GOOD.toBuilder()
                        .clearSampleIndices()
                        .addAllSampleIndices(LongStream.range(0, n).boxed().toList())
                        .setMaxSamplesPerBatch(max)
                        .build();
                assertEquals(
                        (n + max - 1) / max,
                        TaskChecks.batchCount(task),
                        "batch_count for n=" + n + ", max=" + max + " is TaskPlan.batchCount's ceil(n / max)");
            }
        }
    }

    @Test
    void aWellFormedTaskHasNoProblem() {
        assertNull(TaskChecks.problem(GOOD), "the trainer's kind of task is workable");
        assertNull(
                TaskChecks.indexProblem(GOOD, Datasets.open(GOOD.getDatasetUri())),
                "indices 0..299 are in a 300-image set");
        AugmentTask largest = GOOD.toBuilder()
                .setImageSize(512)
                .setMaxSamplesPerBatch(Topics.maxSamplesPerViewBatch(512))
                .build();
        assertNull(TaskChecks.problem(largest), "512 px with the trainer's per-record maximum fits the views topic");
    }

    @Test
    void eachUnusableFieldIsNamedWithItsValue() {
        assertProblem(GOOD.toBuilder().setSchemaVersion(2), "schema_version 2");
        assertProblem(GOOD.toBuilder().setSchemaVersion(0), "schema_version 0");
        assertProblem(GOOD.toBuilder().clearRunId(), "run_id");
        assertProblem(GOOD.toBuilder().clearViewsTopic(), "views_topic");
        assertProblem(GOOD.toBuilder().setImageSize(7), "image_size 7 outside 8..512");
        assertProblem(GOOD.toBuilder().setImageSize(513), "image_size 513 outside 8..512");
        assertProblem(GOOD.toBuilder().setImageSize(-1), "image_size 4294967295"); // uint32 max
        assertProblem(GOOD.toBuilder().setMaxSamplesPerBatch(0), "max_samples_per_batch is 0");
        assertProblem(GOOD.toBuilder().clearSampleIndices(), "no sample_indices");
        assertProblem(GOOD.toBuilder().setImageSize(512).setMaxSamplesPerBatch(3), "over the views topic limit");
    }

    @Test
    void anIndexOutsideTheDatasetIsNamedWithItsPosition() {
        var dataset = Datasets.open(GOOD.getDatasetUri());
        String tooLarge = TaskChecks.indexProblem(
                GOOD.toBuilder().setSampleIndices(17, 300).build(), dataset);
        assertTrue(tooLarge.contains("sample_indices[17] = 300"), "names the position and value: " + tooLarge);
        String uint64 = TaskChecks.indexProblem(
                GOOD.toBuilder().setSampleIndices(0, -1L).build(), dataset);
        assertTrue(uint64.contains("18446744073709551615"), "a uint64 above 2^63 is reported unsigned: " + uint64);
    }

    private static void assertProblem(AugmentTask.Builder task, String expected) {
        String problem = TaskChecks.problem(task.build());
        assertTrue(
                problem != null && problem.contains(expected),
                "expected a problem mentioning '" + expected + "', got " + problem);
    }

    @Test
    void viewsGoOnlyToTheRunsOwnTopic() {
        String problem = TaskChecks.problem(
                GOOD.toBuilder().setViewsTopic("twinview.views.run-b").build());
        assertEquals(
                "views_topic 'twinview.views.run-b' is not the views topic of run run-a; allowed:"
                        + " 'twinview.views.run-a' (the trainer's twinview.views.<run_id>)",
                problem);
    }

    @Test
    void theDatasetMustLieInTheWorkersRoots() {
        DatasetPolicy policy = new DatasetPolicy(DatasetRoots.of(List.of("/data"), "twinview"), DatasetLimits.DEFAULTS);
        assertNull(TaskChecks.datasetProblem(GOOD, policy), "synthetic datasets need no root");
        assertNull(TaskChecks.datasetProblem(
                GOOD.toBuilder().setDatasetUri("cifar10:/data/c").build(), policy));
        String problem = TaskChecks.datasetProblem(
                GOOD.toBuilder().setDatasetUri("cifar10:/etc").build(), policy);
        assertTrue(
                problem.startsWith("dataset_uri: dataset URI 'cifar10:/etc' is not allowed")
                        && problem.endsWith("allowed roots: /data (twinview.datasets.roots)"),
                problem);
    }
}
