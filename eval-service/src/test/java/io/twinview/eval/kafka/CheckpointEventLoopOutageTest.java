package io.twinview.eval.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Timestamps;
import io.smallrye.config.SmallRyeConfig;
import io.twinview.core.checkpoint.CheckpointKeys;
import io.twinview.core.config.KafkaConfig;
import io.twinview.core.config.StorageConfig;
import io.twinview.core.kafka.KafkaClients;
import io.twinview.core.kafka.Topics;
import io.twinview.core.retry.Waits;
import io.twinview.eval.TestCheckpoints;
import io.twinview.eval.TestEvaluations;
import io.twinview.eval.config.EvalConfig;
import io.twinview.eval.service.AutoEvaluator;
import io.twinview.eval.service.EvaluationService;
import io.twinview.proto.v1.CheckpointEvent;
import io.twinview.proto.v1.EvalReport;
import io.twinview.proto.v1.RunSpec;
import io.twinview.stack.LocalStack;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The listener's loop against a real broker and S3Proxy this test owns, so that it can stop them:
 * a storage outage during an evaluation and a broker outage across its commit are waited out, the
 * report is produced and the event committed, and the loop lives on.
 */
class CheckpointEventLoopOutageTest {

    @TempDir
    static Path work;

    private static LocalStack stack;
    private static StorageConfig storage;
    private static EvalConfig evalConfig;
    private static KafkaClients kafka;
    private static EvaluationService service;

    @BeforeAll
    static void startStack() {
        stack = LocalStack.start(LocalStack.Options.in(work.resolve("stack")));
        SmallRyeConfig config = TestEvaluations.config(stack);
        storage = config.getConfigMapping(StorageConfig.class);
        evalConfig = config.getConfigMapping(EvalConfig.class);
        kafka = config.getConfigMapping(KafkaConfig.class).clients();
        service = TestEvaluations.service(config);
    }

    @AfterAll
    static void stopStack() {
        if (service != null) {
            service.shutdown();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void storageAndBrokerOutagesAreWaitedOutTheReportProducedAndTheEventCommitted() throws Exception {
        String topic = "outage-" + UUID.randomUUID();
        String group = "outage-" + UUID.randomUUID();
        String run = TestCheckpoints.runId("outage");
        RunSpec spec = TestCheckpoints.spec();
        TestCheckpoints.write(storage.settings(), run, 10, spec, TestCheckpoints.initialEncoder(spec));
        Waits waits = service.waits(); // one per process: the storage client's retries show here too
        CheckpointEventLoop loop = new CheckpointEventLoop(
                kafka.checkpointEventsConsumer("eval-outage", group),
                topic,
                new AutoEvaluator(service, evalConfig.maxAttempts(), evalConfig.backoff(), waits),
                evalConfig.backoff(),
                waits,
                Throwable::toString,
                false);
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try (Admin admin = kafka.admin()) {
            Topics.ensure(admin, Topics.checkpointsTopic(topic));
            Future<?> running = thread.submit(loop::run);

            stack.stopStorage(true);
            try (KafkaProducer<byte[], byte[]> producer = kafka.producer("test-trainer")) {
                producer.send(new ProducerRecord<>(
                                topic, run.getBytes(), event(run, 10).toByteArray()))
                        .get();
            }
            await(() -> waits.waiting(Waits.STORAGE), Duration.ofSeconds(60), "the loop waits for storage");
            assertEquals(List.of(run + "@10"), loop.evaluating().stream().toList(), "on the event's checkpoint");
            Thread.sleep(3000);
            assertFalse(running.isDone(), "a storage outage does not end the loop");
            assertTrue(committed(admin, group).isEmpty(), "nothing committed before the report is stored");

            stack.startStorage();
            await(() -> !waits.waiting(Waits.STORAGE), Duration.ofSeconds(60), "storage is back for the loop");
            stack.stopBroker(true); // the evaluation runs on; its commit meets the outage
            EvalReport report = awaitReport(run, Duration.ofMinutes(2));
            assertFalse(report.getFailed(), "the report has scores: " + report);
            assertEquals(1, report.getAttempts(), "outages cost no try");
            await(() -> waits.waiting(Waits.BROKER), Duration.ofSeconds(60), "the commit waits for the broker");
            assertFalse(running.isDone(), "a commit timeout does not end the loop: " + loop.endedBy());

            stack.startBroker();
            await(
                    () -> {
                        try {
                            return committed(admin, group).values().stream().anyMatch(offset -> offset.offset() == 1);
                        } catch (Exception e) {
                            return false;
                        }
                    },
                    Duration.ofMinutes(2),
                    "the event is committed once the broker is back");
            assertFalse(running.isDone(), "the loop lives on: " + loop.endedBy());
            loop.stop();
            running.get(30, TimeUnit.SECONDS);
        } finally {
            loop.stop();
            thread.shutdownNow();
        }
    }

    private static CheckpointEvent event(String run, long step) {
        return CheckpointEvent.newBuilder()
                .setRunId(run)
                .setStep(step)
                .setBucket(storage.bucket())
                .setManifestKey(CheckpointKeys.manifestKey(run, step))
                .setFinal(true)
                .setCreatedAt(Timestamps.fromMillis(System.currentTimeMillis()))
                .build();
    }

    private static EvalReport awaitReport(String run, Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        while (System.nanoTime() < end) {
            List<EvalReport> reports = service.reports(run);
            if (!reports.isEmpty()) {
                return reports.get(0);
            }
            Thread.sleep(500);
        }
        throw new AssertionError("no report for " + run + " within " + deadline + " of storage coming back");
    }

    private static Map<TopicPartition, OffsetAndMetadata> committed(Admin admin, String group) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = new java.util.HashMap<>(admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata()
                .get(10, TimeUnit.SECONDS));
        offsets.values().removeIf(Objects::isNull);
        return offsets;
    }

    private static void await(BooleanSupplier condition, Duration deadline, String what) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError(what + ": not within " + deadline);
            }
            Thread.sleep(100);
        }
    }
}
