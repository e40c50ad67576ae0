package io.twinview.eval;

import ai.djl.ndarray.NDManager;
import com.google.protobuf.util.Timestamps;
import io.twinview.core.checkpoint.CheckpointStore;
import io.twinview.core.storage.ObjectStore;
import io.twinview.core.storage.StorageSettings;
import io.twinview.model.BlockParameters;
import io.twinview.model.EncoderKind;
import io.twinview.model.Encoders;
import io.twinview.proto.v1.CheckpointManifest;
import io.twinview.proto.v1.RunSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** Writes checkpoints the way the trainer does, for tests against the real S3 endpoint. */
public final class TestCheckpoints {

    public static final String TRAIN_URI = "synthetic:?n=256&split=train";
    public static final String TEST_URI = "synthetic:?n=128&split=test";

    private TestCheckpoints() {}

    /** A run id no other test of this JVM uses. */
    public static String runId(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** The spec of the brief's untrained small-encoder run. */
    public static RunSpec spec() {
        return RunSpec.newBuilder()
                .setMethod("simclr")
                .setEncoder("small")
                .setSeed(1)
                .setImageSize(32)
                .setDatasetUri("synthetic:?n=256")
                .setEvalTrainUri(TRAIN_URI)
                .setEvalTestUri(TEST_URI)
                .build();
    }

    /** The encoder exactly as {@code Encoders.create} initialises it for the spec's seed and image size. */
    public static byte[] initialEncoder(RunSpec spec) {
        try (NDManager manager = NDManager.newBaseManager()) {
            return BlockParameters.toBytes(Encoders.create(
                    EncoderKind.stored(spec.getEncoder()), spec.getSeed(), spec.getImageSize(), manager));
        }
    }

    /** Writes a checkpoint (encoder, small dummy heads and optimizer) and returns its manifest key. */
    public static String write(StorageSettings settings, String runId, long step, RunSpec spec, byte[] encoder) {
        try (ObjectStore store = new ObjectStore(settings)) {
            store.ensureBucket();
            Map<String, byte[]> objects = new LinkedHashMap<>();
            objects.put("encoder", encoder);
            objects.put("heads", new byte[] {1, 2, 3, 4});
            objects.put("optimizer", new byte[] {5, 6, 7});
            CheckpointManifest manifest = CheckpointManifest.newBuilder()
                    .setRunId(runId)
                    .setStep(step)
                    .setEpoch(step / 10.0)
                    .setSpec(spec)
                    .putMetrics("loss", 4.2)
                    .setCreatedAt(Timestamps.fromMillis(System.currentTimeMillis()))
                    .build();
            return new CheckpointStore(store).write(manifest, objects);
        }
    }
}
