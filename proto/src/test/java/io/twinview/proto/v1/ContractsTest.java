package io.twinview.proto.v1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.util.JsonFormat;
import io.twinview.proto.AugmentSchema;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The wire contracts survive their encodings, and field presence means what the docs say. */
class ContractsTest {

    @Test
    void viewBatchRoundTripsThroughTheWireFormat() throws Exception {
        byte[] view1 = new byte[2 * 4 * 4 * 3];
        byte[] view2 = new byte[view1.length];
        for (int i = 0; i < view1.length; i++) {
            view1[i] = (byte) i;
            view2[i] = (byte) (255 - i);
        }
        ViewBatch batch = ViewBatch.newBuilder()
                .setSchemaVersion(AugmentSchema.VERSION)
                .setRunId("r1")
                .setEpoch(3)
                .setTaskId(7_000_000_000L)
                .setSequence(1)
                .setBatchCount(2)
                .setHeight(4)
                .setWidth(4)
                .setChannels(3)
                .setView1(ByteString.copyFrom(view1))
                .setView2(ByteString.copyFrom(view2))
                .addAllSampleIndices(List.of(11L, 4_294_967_296L))
                .setWorkerId("w")
                .build();
        ViewBatch parsed = ViewBatch.parseFrom(batch.toByteArray());
        assertEquals(batch, parsed, "every field survives serialisation");
        assertArrayEquals(
                view1, parsed.getView1().toByteArray(), "uint8 pixels come back byte for byte, 128..255 included");
        assertEquals(7_000_000_000L, parsed.getTaskId(), "task ids are 64-bit");
    }

    @Test
    void manifestRoundTripsThroughProto3Json() throws Exception {
        CheckpointManifest manifest = CheckpointManifest.newBuilder()
                .setFormatVersion(1)
                .setRunId("r1")
                .setStep(40)
                .setEpoch(2.5)
                .setSpec(RunSpec.newBuilder()
                        .setMethod("simclr")
                        .setDatasetUri("synthetic:")
                        .setBatchSize(64))
                .addObjects(StoredObject.newBuilder()
                        .setName("encoder")
                        .setKey("runs/r1/checkpoints/0000000040/encoder.params")
                        .setSha256("ab".repeat(32))
                        .setSizeBytes(123))
                .setViews(ViewsCursor.newBuilder()
                        .setTopic("twinview.views.r1")
                        .addPartitions(PartitionCursor.newBuilder()
                                .setPartition(2)
                                .setOffset(17)
                                .setSkipSamples(5))
                        .setNextTaskId(9)
                        .addOpenTasks(TaskProgress.newBuilder()
                                .setTaskId(8)
                                .setBatchCount(3)
                                .addSeenSequences(0))
                        .setPairsTrained(2560))
                .putMetrics("loss", 3.25)
                .build();
        String json = JsonFormat.printer().print(manifest);
        CheckpointManifest.Builder parsed = CheckpointManifest.newBuilder();
        JsonFormat.parser().merge(json, parsed);
        assertEquals(manifest, parsed.build(), "the manifest survives JSON: " + json);
        assertTrue(json.contains("\"nextTaskId\": \"9\""), "64-bit integers are JSON strings, per the proto3 mapping");
    }

    @Test
    void anExplicitZeroIsDistinguishableFromAnUnsetField() throws Exception {
        RunSpec unset = RunSpec.newBuilder().setDatasetUri("synthetic:").build();
        RunSpec zero =
                RunSpec.newBuilder().setDatasetUri("synthetic:").setBatchSize(0).build();
        assertFalse(
                RunSpec.parseFrom(unset.toByteArray()).hasBatchSize(),
                "unset batch_size stays unset (takes the default)");
        assertTrue(
                RunSpec.parseFrom(zero.toByteArray()).hasBatchSize(),
                "batch_size = 0 arrives as set, so it can be refused by name");
    }
}
