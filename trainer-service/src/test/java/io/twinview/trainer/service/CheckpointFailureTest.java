package io.twinview.trainer.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.twinview.core.checkpoint.CheckpointKeys;
import io.twinview.core.kafka.KafkaClients;
import io.twinview.core.kafka.Topics;
import io.twinview.core.storage.ObjectInfo;
import io.twinview.core.storage.ObjectStore;
import io.twinview.core.storage.StorageSettings;
import io.twinview.proto.v1.AugmentTask;
import io.twinview.proto.v1.Run;
import io.twinview.proto.v1.RunSpec;
import io.twinview.proto.v1.RunState;
import io.twinview.proto.v1.StartRunRequest;
import io.twinview.stack.LocalStack;
import io.twinview.stack.quarkus.LocalStackTestResource;
import io.twinview.trainer.run.FakeWorkers;
import io.twinview.trainer.storage.RunRecords;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * A checkpoint that cannot be written fails the run with the reason, leaves none of its objects,
 * and run.json says FAILED. The failure is real: an object already stored below the manifest's key
 * ({@code manifest.json/blocker}) makes that key a folder of S3Proxy's filesystem backend, which no put
 * replaces; the %test profile gives storage retries up after a few seconds.
 */
@QuarkusTest
@QuarkusTestResource(LocalStackTestResource.class)
class CheckpointFailureTest {

    @Inject
    RunManager runs;

    private static final String RUN = "checkpoint-fails";

    @Test
    void aCheckpointThatCannotBeWrittenFailsTheRunAndLeavesNoObjectsAndRunJsonFailed() throws Exception {
        LocalStack stack = LocalStack.shared();
        String prefix = CheckpointKeys.checkpointPrefix(RUN, 4);
        String blocker = CheckpointKeys.manifestKey(RUN, 4) + "/blocker";
        AtomicBoolean working = new AtomicBoolean(true);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (ObjectStore objects = new ObjectStore(
                StorageSettings.of(stack.s3Endpoint(), stack.s3AccessKey(), stack.s3SecretKey(), "trainer-test"))) {
            objects.ensureBucket();
            objects.put(blocker, "in the way".getBytes(StandardCharsets.UTF_8), null);
            Future<?> worker = pool.submit(() -> actAsWorker(stack.kafkaBootstrapServers(), working));
            runs.start(StartRunRequest.newBuilder()
                    .setRunId(RUN)
                    .setSpec(RunSpec.newBuilder()
                            .setDatasetUri("synthetic:?n=64&size=16")
                            .setEpochs(2)
                            .setBatchSize(16)
                            .setSamplesPerTask(16)
                            .setCheckpointEverySteps(4))
                    .build());
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (runs.get(RUN).getState() == RunState.RUN_STATE_RUNNING && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            working.set(false);
            worker.get(30, TimeUnit.SECONDS);

            Run run = runs.get(RUN);
            assertEquals(RunState.RUN_STATE_FAILED, run.getState(), "the run fails: " + run.getProgress());
            assertTrue(
                    run.getError().contains("checkpoint of step 4 of run " + RUN + " not written"),
                    "its error names the checkpoint that could not be written: " + run.getError());
            RunRecords records = new RunRecords(objects);
            long saved = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); // the training thread records the end last
            while (records.find(RUN).orElseThrow().getState() == RunState.RUN_STATE_RUNNING
                    && System.nanoTime() < saved) {
                Thread.sleep(200);
            }
            Run stored = records.find(RUN).orElseThrow();
            assertEquals(RunState.RUN_STATE_FAILED, stored.getState(), "run.json says FAILED, not RUNNING");
            assertEquals(run.getError(), stored.getError(), "with the reason");
            assertEquals(
                    List.of(blocker),
                    objects.list(prefix, true).stream().map(ObjectInfo::key).toList(),
                    "the objects the failed checkpoint wrote before its manifest are deleted");
        } finally {
            working.set(false);
            pool.shutdownNow();
        }
    }

    /** What augment-service does, minus the augmentation: tasks in, ViewBatches out. */
    private static void actAsWorker(String bootstrap, AtomicBoolean working) {
        KafkaClients kafka = KafkaClients.of(bootstrap);
        try (KafkaConsumer<byte[], byte[]> consumer = kafka.tasksConsumer(
                        "failure-worker-tasks", "checkpoint-failure-worker", Duration.ofSeconds(45));
                KafkaProducer<byte[], byte[]> producer = kafka.viewsProducer("failure-worker-views")) {
            consumer.subscribe(List.of(Topics.DEFAULT_TASKS_TOPIC));
            while (working.get()) {
                ConsumerRecords<byte[], byte[]> tasks = consumer.poll(Duration.ofMillis(200));
                for (ConsumerRecord<byte[], byte[]> record : tasks) {
                    AugmentTask task = AugmentTask.parseFrom(record.value());
                    if (!task.getRunId().equals(RUN)) {
                        continue; // another test's run
                    }
                    int n = task.getSampleIndicesCount();
                    int max = task.getMaxSamplesPerBatch();
                    int count = (n + max - 1) / max;
                    for (int seq = 0; seq < count; seq++) {
                        var samples = task.getSampleIndicesList().subList(seq * max, Math.min(n, (seq + 1) * max));
                        producer.send(new ProducerRecord<>(
                                task.getViewsTopic(),
                                null,
                                FakeWorkers.batch(task, seq, count, samples, task.getImageSize())
                                        .toByteArray()));
                    }
                }
                if (!tasks.isEmpty()) {
                    producer.flush();
                    consumer.commitSync();
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("test worker failed", e);
        }
    }
}
