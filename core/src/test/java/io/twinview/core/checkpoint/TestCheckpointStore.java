package io.twinview.core.checkpoint;

import io.twinview.core.storage.ObjectStore;
import io.twinview.core.storage.StorageSettings;
import io.twinview.stack.LocalStack;

/**
 * A {@link CheckpointStore} on a bucket of the shared stack's S3 endpoint (S3Proxy through the MinIO
 * client), the bucket made when missing: open it in a test class's {@code @BeforeAll}, close it in its
 * {@code @AfterAll}.
 */
public record TestCheckpointStore(ObjectStore objects, CheckpointStore store) implements AutoCloseable {

    /** Connects to {@code bucket} on {@link LocalStack#shared()}, starting the stack if need be. */
    public static TestCheckpointStore on(String bucket) {
        LocalStack stack = LocalStack.shared();
        ObjectStore objects = new ObjectStore(
                StorageSettings.of(stack.s3Endpoint(), stack.s3AccessKey(), stack.s3SecretKey(), bucket));
        objects.ensureBucket();
        return new TestCheckpointStore(objects, new CheckpointStore(objects));
    }

    @Override
    public void close() {
        objects.close();
    }
}
