package io.twinview.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.core.retry.Backoff;
import io.twinview.core.retry.Waits;
import io.twinview.core.storage.ObjectInfo;
import io.twinview.core.storage.ObjectStore;
import io.twinview.core.storage.StorageException;
import io.twinview.core.storage.StorageSettings;
import io.twinview.proto.v1.CheckpointManifest;
import io.twinview.stack.LocalStack;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A checkpoint is all or nothing: when one of its objects cannot be written, the objects written
 * before it are deleted and the failure names the checkpoint. Against a real S3Proxy, where an
 * object already stored below the failing key ({@code heads.params/blocker}) makes that key a folder
 * of S3Proxy's filesystem backend, which no put can replace.
 */
class CheckpointWriteFailureTest {

    @Test
    void aCheckpointWhoseWriteFailsLeavesNoObjectOfItsOwn() {
        LocalStack stack = LocalStack.shared();
        Backoff brief = new Backoff(Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofSeconds(2));
        String run = "failed-write-" + UUID.randomUUID().toString().substring(0, 8);
        try (ObjectStore objects = new ObjectStore(
                StorageSettings.of(stack.s3Endpoint(), stack.s3AccessKey(), stack.s3SecretKey(), "checkpoint-failure"),
                brief,
                new Waits())) {
            objects.ensureBucket();
            String prefix = CheckpointKeys.checkpointPrefix(run, 10);
            String blocker = prefix + "heads.params/blocker";
            objects.put(blocker, bytes("in the way"), null);
            CheckpointStore checkpoints = new CheckpointStore(objects);
            Map<String, byte[]> state = new LinkedHashMap<>();
            state.put("encoder", bytes("encoder weights"));
            state.put("heads", bytes("head weights"));
            state.put("optimizer", bytes("moments"));

            StorageException e = assertThrows(
                    StorageException.class,
                    () -> checkpoints.write(
                            CheckpointManifest.newBuilder()
                                    .setRunId(run)
                                    .setStep(10)
                                    .build(),
                            state));

            assertTrue(
                    e.getMessage().startsWith("checkpoint of step 10 of run " + run + " not written: put s3://"),
                    "the failure names the checkpoint and the write that failed: " + e.getMessage());
            assertTrue(
                    e.getMessage().endsWith("the objects of this attempt were deleted"),
                    "and says it cleaned up: " + e.getMessage());
            assertEquals(
                    List.of(blocker),
                    objects.list(prefix, true).stream().map(ObjectInfo::key).toList(),
                    "the encoder written before the failure is gone, and no manifest or later object was written");
            assertTrue(checkpoints.latest(run, Set.of("encoder")).isEmpty(), "no checkpoint of the run exists");
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
