package io.twinview.trainer.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.protobuf.ByteString;
import io.twinview.proto.AugmentSchema;
import io.twinview.proto.v1.ViewBatch;
import java.util.List;
import org.junit.jupiter.api.Test;

class ViewBatchesTest {

    private static ViewBatch.Builder batch(List<Long> samples, List<Long> rejected) {
        int bytes = samples.size() * 8 * 8 * 3;
        return ViewBatch.newBuilder()
                .setSchemaVersion(AugmentSchema.VERSION)
                .setRunId("r")
                .setTaskId(4)
                .setSequence(1)
                .setBatchCount(3)
                .setHeight(8)
                .setWidth(8)
                .setChannels(3)
                .setView1(ByteString.copyFrom(new byte[bytes]))
                .setView2(ByteString.copyFrom(new byte[bytes]))
                .addAllSampleIndices(samples)
                .addAllRejectedSampleIndices(rejected);
    }

    @Test
    void aRecordWithSomeRejectedSamplesIsTrainable() {
        assertNull(
                ViewBatches.problem(batch(List.of(1L, 2L), List.of(3L)).build(), "r", 8),
                "the read samples are trained on; the rejected ones were seen by a worker and dead-lettered");
    }

    @Test
    void aRecordWhoseSamplesWereAllRejectedIsAcceptedSoItsTaskCompletes() {
        assertNull(
                ViewBatches.problem(batch(List.of(), List.of(3L, 4L)).build(), "r", 8),
                "no pairs, but the record counts for its task: otherwise the task stays open and its epoch never ends");
    }

    @Test
    void aRecordWithNoSamplesAtAllIsStillAProblem() {
        assertEquals(
                "no samples",
                ViewBatches.problem(batch(List.of(), List.of()).build(), "r", 8),
                "a record that neither carries nor rejects samples is malformed");
    }
}
