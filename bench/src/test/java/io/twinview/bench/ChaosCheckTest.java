package io.twinview.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.twinview.core.checkpoint.CheckpointKeys;
import io.twinview.core.checkpoint.ProtoJson;
import io.twinview.proto.v1.CheckpointManifest;
import io.twinview.proto.v1.EpochSamples;
import io.twinview.proto.v1.SampleCounts;
import io.twinview.proto.v1.StoredObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checker against a bucket laid out as S3Proxy's filesystem store keeps it, written here by hand. */
class ChaosCheckTest {

    @TempDir
    Path bucket;

    private static EpochSamples epoch(int epoch, int... counts) {
        byte[] bytes = new byte[counts.length];
        for (int i = 0; i < counts.length; i++) {
            bytes[i] = (byte) counts[i];
        }
        return EpochSamples.newBuilder()
                .setEpoch(epoch)
                .setCounts(ByteString.copyFrom(bytes))
                .build();
    }

    @Test
    void everySampleOfEveryEpochOnceIsNeitherMissingNorDuplicated() {
        SampleCounts counts = SampleCounts.newBuilder()
                .setDatasetSize(4)
                .addEpochs(epoch(0, 1, 1, 1, 1))
                .addEpochs(epoch(1, 1, 1, 1, 1))
                .build();
        ChaosCheck.Samples samples = ChaosCheck.samples(counts, 4, 2);
        assertTrue(samples.accounted(), "an account was read");
        assertEquals(0, samples.missing(), "none missing");
        assertEquals(0, samples.duplicated(), "none twice");
    }

    @Test
    void aSampleNeverTrainedIsMissingOneTrainedTwiceDuplicatedAndAnUnreadableOneNeither() {
        SampleCounts counts = SampleCounts.newBuilder()
                .setDatasetSize(4)
                .addEpochs(epoch(0, 1, 0, 2, 3))
                .addEpochs(epoch(1, 1, 1, 0, 1).toBuilder().addUnreadable(2))
                .build();
        ChaosCheck.Samples samples = ChaosCheck.samples(counts, 4, 2);
        assertEquals(1, samples.missing(), "sample 1 of epoch 0 was never trained");
        assertEquals(2, samples.duplicated(), "samples 2 and 3 of epoch 0 were trained more than once");
        assertEquals(1, samples.unreadable(), "sample 2 of epoch 1 could not be read: not missing");
    }

    @Test
    void anEpochWithoutAccountIsMissingWholeAndAnEpochOutsideThePlanIsDuplicated() {
        SampleCounts counts = SampleCounts.newBuilder()
                .setDatasetSize(3)
                .addEpochs(epoch(0, 1, 1, 1))
                .addEpochs(epoch(2, 1, 0, 1))
                .build();
        ChaosCheck.Samples samples = ChaosCheck.samples(counts, 3, 2);
        assertEquals(3, samples.missing(), "epoch 1 has no account: its 3 samples are missing");
        assertEquals(2, samples.duplicated(), "epoch 2 is not in a 2-epoch plan: its 2 trained samples are extra");
    }

    @Test
    void anAccountOfAnotherDatasetSizeIsNoAccount() {
        ChaosCheck.Samples samples =
                ChaosCheck.samples(SampleCounts.newBuilder().setDatasetSize(5).build(), 4, 2);
        assertFalse(samples.accounted(), "it does not fit the plan");
        assertEquals(8, samples.missing(), "so every sample of the plan is unaccounted for");
        assertTrue(samples.problem().contains("5 samples per epoch"), samples.problem());
    }

    @Test
    void theNewestManifestsAccountIsReadAndACheckpointWithoutOneSaysSo() throws IOException {
        SampleCounts once = SampleCounts.newBuilder()
                .setDatasetSize(2)
                .addEpochs(epoch(0, 1, 1))
                .build();
        checkpoint("r", 4, Map.of("encoder", new byte[] {1, 2}));
        checkpoint("r", 8, Map.of("encoder", new byte[] {3}, "samples", once.toByteArray()));

        CheckpointManifest newest = ChaosCheck.newestManifest(bucket, "r").orElseThrow();
        assertEquals(8, newest.getStep(), "the highest step with a manifest");
        ChaosCheck.Samples samples = ChaosCheck.samples(bucket, newest, 2, 1);
        assertTrue(samples.accounted() && samples.missing() == 0 && samples.duplicated() == 0, samples.toString());

        CheckpointManifest older = ChaosCheck.manifest(bucket.resolve(CheckpointKeys.manifestKey("r", 4)));
        ChaosCheck.Samples none = ChaosCheck.samples(bucket, older, 2, 1);
        assertFalse(none.accounted(), "step 4 stored no samples object");
        assertTrue(none.problem().contains("has no \"samples\" object"), none.problem());
    }

    @Test
    void everyManifestVerifiesUntilAnObjectChangesOrGoes() throws IOException {
        checkpoint("a", 2, Map.of("encoder", new byte[] {1, 2, 3}));
        checkpoint("b", 2, Map.of("encoder", new byte[] {4}, "heads", new byte[] {5}));
        ChaosCheck.Manifests all = ChaosCheck.verifyManifests(bucket);
        assertEquals(2, all.checked(), "both runs' manifests");
        assertTrue(all.verified(), "every object matches its sha256: " + all.failures());

        Files.write(bucket.resolve(CheckpointKeys.objectKey("a", 2, "encoder.bin")), new byte[] {9});
        Files.delete(bucket.resolve(CheckpointKeys.objectKey("b", 2, "heads.bin")));
        ChaosCheck.Manifests broken = ChaosCheck.verifyManifests(bucket);
        assertFalse(broken.verified(), "a changed and a missing object fail");
        assertEquals(2, broken.failures().size(), broken.failures().toString());
        assertTrue(
                broken.failures().get(0).contains("object encoder has sha256"),
                broken.failures().toString());
        assertTrue(
                broken.failures().get(1).contains("object heads (runs/b/"),
                broken.failures().toString());
    }

    @Test
    void anEmptyBucketDoesNotVerify() {
        assertFalse(ChaosCheck.verifyManifests(bucket).verified(), "no manifest at all is no evidence");
    }

    /** Objects first, the manifest last, as the trainer's CheckpointStore writes them. */
    private void checkpoint(String runId, long step, Map<String, byte[]> objects) throws IOException {
        CheckpointManifest.Builder manifest =
                CheckpointManifest.newBuilder().setRunId(runId).setStep(step);
        for (var object : new LinkedHashMap<>(objects).entrySet()) {
            String key = CheckpointKeys.objectKey(runId, step, object.getKey() + ".bin");
            Path file = bucket.resolve(key);
            Files.createDirectories(file.getParent());
            Files.write(file, object.getValue());
            manifest.addObjects(StoredObject.newBuilder()
                    .setName(object.getKey())
                    .setKey(key)
                    .setSha256(sha256(object.getValue()))
                    .setSizeBytes(object.getValue().length));
        }
        Files.write(bucket.resolve(CheckpointKeys.manifestKey(runId, step)), ProtoJson.toJson(manifest.build()));
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
