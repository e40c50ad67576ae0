package io.twinview.augment.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.core.storage.ObjectStore;
import io.twinview.core.storage.StorageSettings;
import io.twinview.proto.v1.AugmentTask;
import io.twinview.stack.LocalStack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.stream.LongStream;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tasks whose dataset is on object storage ({@code cifar10:s3://BUCKET/PREFIX}), against the JVM's
 * shared Kafka broker and S3 endpoint (S3Proxy) of {@link LocalStack#shared()}.
 */
class TaskWorkerObjectStorageTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int RECORDS = 40;

    @TempDir
    Path tmp;

    private KafkaTestSupport kafka;
    private final List<TaskWorker> workers = new ArrayList<>();
    private String tasksTopic;
    private String group;
    private StorageSettings storage;
    private Path localCopy;
    private String prefix;

    /** A CIFAR-10 batch of generated records, uploaded under a fresh bucket; the local copy kept beside. */
    @BeforeEach
    void setUp() throws IOException {
        LocalStack stack = LocalStack.shared();
        kafka = new KafkaTestSupport(stack.kafkaBootstrapServers());
        tasksTopic = KafkaTestSupport.unique("test.tasks");
        group = KafkaTestSupport.unique("test-group");
        storage = StorageSettings.of(
                stack.s3Endpoint(),
                stack.s3AccessKey(),
                stack.s3SecretKey(),
                "augment-" + UUID.randomUUID().toString().substring(0, 8));
        localCopy = Files.createDirectories(tmp.resolve("cifar10"));
        byte[] batch = cifarRecords(RECORDS, 7);
        Files.write(localCopy.resolve("data_batch_1.bin"), batch);
        prefix = "sets/cifar10-" + UUID.randomUUID().toString().substring(0, 8);
        try (ObjectStore store = new ObjectStore(storage)) {
            store.ensureBucket();
            store.put(prefix + "/data_batch_1.bin", batch, null);
        }
    }

    @AfterEach
    void tearDown() {
        workers.forEach(TaskWorker::close);
        kafka.close();
    }

    /** CIFAR-10 binary records: a label byte 0..9, then 3 x 32 x 32 pixel bytes, all from a seeded stream. */
    private static byte[] cifarRecords(int count, long seed) {
        byte[] data = new byte[count * 3073];
        Random random = new Random(seed);
        random.nextBytes(data);
        for (int r = 0; r < count; r++) {
            data[r * 3073] = (byte) (r % 10);
        }
        return data;
    }

    private TaskWorker start(WorkerSettings settings) {
        TaskWorker worker = TaskWorker.start(settings);
        workers.add(worker);
        KafkaTestSupport.await("worker " + settings.workerId() + " has subscribed", TIMEOUT, worker::subscribed);
        return worker;
    }

    private WorkerSettings settings() {
        return new WorkerSettings(
                LocalStack.shared().kafkaBootstrapServers(),
                tasksTopic,
                3,
                group,
                KafkaTestSupport.unique("worker"),
                2,
                Duration.ofMillis(300));
    }

    @Test
    void aTaskOnObjectStorageGetsTheViewsOfTheSameTaskOnTheLocalCopy() {
        String runId = KafkaTestSupport.unique("s3-run");
        String viewsTopic = kafka.createViewsTopic(runId);
        long[] indices =
                LongStream.range(0, RECORDS).map(i -> (i * 17) % RECORDS).toArray(); // a permutation
        String s3Uri = "cifar10:s3://" + storage.bucket() + "/" + prefix + "?batches=1";
        AugmentTask task = KafkaTestSupport.task(runId, 21, s3Uri, indices, 16).build();
        TaskWorker worker = start(settings().withStorage(storage));

        RecordMetadata sent = kafka.publish(tasksTopic, null, null, task.toByteArray());

        AugmentTask onLocalCopy = task.toBuilder()
                .setDatasetUri("cifar10:" + localCopy + "?batches=1")
                .build();
        ViewAssertions.assertViewsOf(
                onLocalCopy,
                kafka.readAll(viewsTopic, 3, TIMEOUT, Duration.ofMillis(500)),
                worker.settings().workerId());
        KafkaTestSupport.awaitValue(
                "the task's offset is committed",
                TIMEOUT,
                () -> kafka.committed(group, new TopicPartition(tasksTopic, sent.partition())),
                offset -> offset == sent.offset() + 1);
        WorkerStats.Snapshot stats = worker.stats().snapshot();
        assertEquals(1, stats.tasksCompleted(), "the task completed");
        assertEquals(0, stats.tasksSkipped(), "nothing was skipped: " + stats.lastSkip());
        assertEquals(RECORDS, stats.samplesAugmented(), "every sample was read from the mirrored objects");
    }

    @Test
    void aWorkerWithoutObjectStorageSkipsAnS3TaskNamingTheMissingSettingAndGoesOn() {
        String runId = KafkaTestSupport.unique("s3-no-storage");
        String viewsTopic = kafka.createViewsTopic(runId);
        String s3Uri = "cifar10:s3://" + storage.bucket() + "/" + prefix + "?batches=1";
        AugmentTask onS3 =
                KafkaTestSupport.task(runId, 1, s3Uri, new long[] {0, 1, 2}, 2).build();
        AugmentTask local = KafkaTestSupport.task(
                        runId, 2, "cifar10:" + localCopy + "?batches=1", new long[] {3, 4, 5}, 2)
                .build();
        TaskWorker worker = start(settings());

        kafka.publish(tasksTopic, 0, null, onS3.toByteArray());
        RecordMetadata sent = kafka.publish(tasksTopic, 0, null, local.toByteArray());

        ViewAssertions.assertViewsOf(
                local,
                kafka.readAll(viewsTopic, 2, TIMEOUT, Duration.ofMillis(500)),
                worker.settings().workerId());
        KafkaTestSupport.awaitValue(
                "both offsets are committed: the s3 task is skipped, not retried",
                TIMEOUT,
                () -> kafka.committed(group, new TopicPartition(tasksTopic, 0)),
                offset -> offset == sent.offset() + 1);
        WorkerStats.Snapshot stats = worker.stats().snapshot();
        assertEquals(1, stats.tasksSkipped(), "the s3:// task is skipped");
        assertEquals(1, stats.tasksCompleted(), "the local task after it completes");
        assertTrue(
                stats.lastSkip().contains("twinview.storage.endpoint")
                        && stats.lastSkip().contains(s3Uri),
                "the reason names the URI and the missing setting: " + stats.lastSkip());
    }
}
