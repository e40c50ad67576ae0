package io.twinview.trainer.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.twinview.proto.v1.AugmentTask;
import io.twinview.proto.v1.RunSpec;
import io.twinview.proto.v1.ViewBatch;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every field of a ViewBatch against a plan of 20 images, 8 per task, records of at most 3 samples. */
class ViewBatchesTest {

    /** 3 tasks per epoch (8, 8 and 4 samples), 2 epochs: 6 tasks; tasks of 8 make 3 records, of 4 make 2. */
    static final ResolvedRun RUN = RunSpecs.resolve(RunSpec.newBuilder()
            .setDatasetUri("synthetic:?n=20&size=8")
            .setEpochs(2)
            .setBatchSize(4)
            .setSamplesPerTask(8)
            .build());

    private final TaskPlan plan = new TaskPlan("r", RUN, "views", 3);

    /** Record {@code seq} of a task as a well-behaved worker writes it, the samples of {@code rejected} unread. */
    private ViewBatch.Builder record(long taskId, int seq, List<Long> rejected) {
        AugmentTask task = plan.task(taskId);
        int count = plan.batchCount(task.getSampleIndicesCount());
        List<Long> chunk =
                task.getSampleIndicesList().subList(seq * 3, Math.min(task.getSampleIndicesCount(), seq * 3 + 3));
        List<Long> read = chunk.stream().filter(s -> !rejected.contains(s)).toList();
        return FakeWorkers.batch(task, seq, count, read, 8).toBuilder().addAllRejectedSampleIndices(rejected);
    }

    private String identity(ViewBatch.Builder batch) {
        return ViewBatches.identityProblem(batch.build(), "r", plan);
    }

    @Test
    void theChunksOfThePlanAreTheTasksSampleIndicesInRecordsOfAtMostM() {
        for (long taskId = 0; taskId < plan.totalTasks(); taskId++) {
            AugmentTask task = plan.task(taskId);
            long[] joined = new long[0];
            for (int seq = 0; seq < plan.recordCount(taskId); seq++) {
                long[] chunk = plan.chunk(taskId, seq);
                assertTrue(chunk.length <= 3, "at most max_samples_per_batch per record");
                long[] next = Arrays.copyOf(joined, joined.length + chunk.length);
                System.arraycopy(chunk, 0, next, joined.length, chunk.length);
                joined = next;
            }
            assertEquals(
                    task.getSampleIndicesList(),
                    Arrays.stream(joined).boxed().toList(),
                    "task " + taskId + "'s chunks, in order, are the samples the task names");
            assertEquals(task.getEpoch(), plan.epoch(taskId), "the epoch of task " + taskId);
        }
    }

    @Test
    void aWorkersRecordFitsThePlanWithOrWithoutRejectedSamples() {
        assertNull(identity(record(1, 2, List.of())), "an ordinary record");
        long first = plan.chunk(4, 1)[0];
        assertNull(identity(record(4, 1, List.of(first))), "a record with a rejected sample");
        long[] all = plan.chunk(5, 0);
        assertNull(
                identity(record(5, 0, Arrays.stream(all).boxed().toList())),
                "no pairs, but the record counts for its task: otherwise the task stays open and its epoch never ends");
        assertNull(ViewBatches.payloadProblem(record(1, 2, List.of()).build(), 8), "its pixels fit");
    }

    @Test
    void aTaskIdOutsideThePlanIsForgedEvenAtTwoToTheSixtyThree() {
        String huge = identity(record(0, 0, List.of()).setTaskId(Long.MIN_VALUE));
        assertEquals("task_id 9223372036854775808 is not a task of this run (0..5)", huge, "2^63 read as unsigned");
        assertTrue(identity(record(0, 0, List.of()).setTaskId(6)).startsWith("task_id 6 "), "one past the plan");
    }

    @Test
    void aSequenceOrBatchCountOtherThanThePlansIsForged() {
        assertEquals(
                "sequence 4294967295 outside task 0's records 0..2",
                identity(record(0, 0, List.of()).setSequence(0xFFFFFFFF)),
                "sequence=0xFFFFFFFF read as unsigned");
        assertEquals(
                "batch_count 1000000, task 0 has 3 records",
                identity(record(0, 0, List.of()).setBatchCount(1_000_000)),
                "a batch count that never completes");
        assertEquals(
                "batch_count 3, task 2 has 2 records",
                identity(record(2, 0, List.of()).setBatchCount(3)),
                "the last task of an epoch is shorter");
        assertTrue(
                identity(record(3, 0, List.of()).setEpoch(0)).startsWith("epoch 0, task 3 is of epoch 1"),
                "the epoch is the task's");
    }

    @Test
    void samplesOutsideTheRecordsChunkAreForged() {
        long[] chunk = plan.chunk(0, 0);
        long other = plan.chunk(0, 1)[0];
        assertTrue(
                identity(record(0, 0, List.of()).setSampleIndices(1, other))
                        .startsWith("sample index " + other + " is not in task 0 record 0"),
                "a sample of another record of the same task");
        assertTrue(
                identity(record(0, 0, List.of()).setSampleIndices(0, chunk[1]).setSampleIndices(1, chunk[0]))
                        .startsWith("sample index"),
                "the chunk out of order: the pixels would be paired with the wrong samples");
        assertTrue(
                identity(record(0, 0, List.of()).addSampleIndices(chunk[0]))
                        .startsWith("4 read and 0 rejected samples, task 0 record 0 has 3"),
                "a sample twice");
        assertTrue(
                identity(record(0, 0, List.of(chunk[2])).setRejectedSampleIndices(0, other))
                        .startsWith("rejected_sample_indices are not the rest"),
                "a rejected sample that is not the chunk's");
        assertTrue(
                identity(record(0, 0, List.of()).setSampleIndices(0, -1L))
                        .startsWith("sample index 18446744073709551615"),
                "a huge uint64 index is named as sent");
    }

    @Test
    void wrongSchemaOrRunIsForged() {
        assertTrue(identity(record(0, 0, List.of()).setSchemaVersion(99)).startsWith("schema_version 99"));
        assertTrue(identity(record(0, 0, List.of()).setRunId("other")).startsWith("run_id 'other'"));
        assertTrue(
                identity(record(0, 0, List.of()).setRunId("x".repeat(10_000))).contains("(10000 chars)"),
                "a forged run id is cut short in the log line");
    }

    @Test
    void pixelsMustBeCountTimesSizeSquaredTimesThreeBytes() {
        assertEquals(
                "views of 5 and 576 bytes, 3 samples of 8x8x3 need 576 each",
                ViewBatches.payloadProblem(
                        record(0, 0, List.of())
                                .setView1(ByteString.copyFrom(new byte[5]))
                                .build(),
                        8));
        assertEquals(
                "shape 4294967295x8x3, the run trains on 8x8x3",
                ViewBatches.payloadProblem(record(0, 0, List.of()).setHeight(-1).build(), 8));
    }
}
