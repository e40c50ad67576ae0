package io.twinview.eval.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.util.Timestamps;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.twinview.core.checkpoint.CheckpointKeys;
import io.twinview.core.config.KafkaConfig;
import io.twinview.core.config.StorageConfig;
import io.twinview.core.grpc.GrpcTestSecurity;
import io.twinview.core.kafka.KafkaClients;
import io.twinview.core.kafka.Topics;
import io.twinview.core.retry.Waits;
import io.twinview.eval.TestCheckpoints;
import io.twinview.eval.config.EvalConfig;
import io.twinview.eval.service.AutoEvaluator;
import io.twinview.eval.service.EvaluationService;
import io.twinview.proto.v1.CheckpointEvent;
import io.twinview.proto.v1.EvalReport;
import io.twinview.proto.v1.EvalServiceGrpc;
import io.twinview.proto.v1.GetReportRequest;
import io.twinview.proto.v1.ListReportsRequest;
import io.twinview.proto.v1.RunSpec;
import io.twinview.stack.quarkus.LocalStackTestResource;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Checkpoint events on a real Kafka broker become reports in real S3. */
@QuarkusTest
@QuarkusTestResource(LocalStackTestResource.class)
class CheckpointEventListenerTest {

    @GrpcClient("eval")
    EvalServiceGrpc.EvalServiceBlockingStub client;

    @Inject
    StorageConfig storage;

    @Inject
    EvalConfig config;

    @Inject
    KafkaConfig kafka;

    @Inject
    EvaluationService evaluations;

    @TestHTTPResource("/q/metrics")
    URL metrics;

    @Test
    void aPublishedCheckpointEventIsEvaluatedAndTimedOnMetrics() throws Exception {
        String run = TestCheckpoints.runId("kafka");
        RunSpec spec = TestCheckpoints.spec();
        String manifestKey =
                TestCheckpoints.write(storage.settings(), run, 30, spec, TestCheckpoints.initialEncoder(spec));
        CheckpointEvent event = CheckpointEvent.newBuilder()
                .setRunId(run)
                .setStep(30)
                .setEpoch(3.0)
                .setBucket(storage.bucket())
                .setManifestKey(manifestKey)
                .setFinal(true)
                .setCreatedAt(Timestamps.fromMillis(System.currentTimeMillis()))
                .build();
        try (KafkaProducer<byte[], byte[]> producer = kafka.clients().producer("test-trainer")) {
            producer.send(new ProducerRecord<>(config.checkpointsTopic(), run.getBytes(), new byte[] {0x7f, 0x01}))
                    .get();
            producer.send(new ProducerRecord<>(config.checkpointsTopic(), run.getBytes(), event.toByteArray()))
                    .get();
        }

        EvalReport report = awaitReport(run, r -> true, Duration.ofMinutes(3));
        assertEquals(30, report.getStep(), "the announced step was evaluated");
        assertEquals(manifestKey, report.getCheckpointManifestKey(), "the announced checkpoint");
        assertEquals(200, report.getKnnK(), "automatic evaluations use the configured k");
        assertEquals(report.getRandomInit(), report.getSsl(), "untrained: SSL equals random init");
        assertTrue(report.getReportId().startsWith(run + ".30."), "the usual report id: " + report.getReportId());

        String scraped = scrape();
        double count = value(scraped, "twinview_eval_report_seconds_count");
        double sum = value(scraped, "twinview_eval_report_seconds_sum");
        assertTrue(count >= 1, "the evaluation was timed: " + count);
        assertTrue(
                sum > 0 && sum / count < 600,
                "seconds per report are positive and below the test's own limits: " + sum + " / " + count);
        assertTrue(value(scraped, "twinview_eval_failures_total") >= 0, "failures are exported");
    }

    @Test
    void aCheckpointThatFailsEveryTimeGetsAFailedReportWhileTheOthersAreEvaluated() throws Exception {
        String failing = TestCheckpoints.runId("failing");
        String other = TestCheckpoints.runId("other");
        RunSpec spec = TestCheckpoints.spec();
        byte[] encoder = TestCheckpoints.initialEncoder(spec);
        byte[] notParameters = new byte[4096];
        new Random(11).nextBytes(notParameters); // complete (its sha256 matches) but no encoder loads it
        TestCheckpoints.write(storage.settings(), failing, 10, spec, notParameters);
        for (long step : new long[] {10, 20, 30}) {
            TestCheckpoints.write(storage.settings(), other, step, spec, encoder);
        }
        // waiting together behind the failing one: intermediate checkpoints a newer one overtook
        publish(event(failing, 10, false), event(other, 10, false), event(other, 20, false), event(other, 30, true));

        EvalReport failed = awaitReport(failing, r -> r.getStep() == 10, Duration.ofMinutes(3));
        assertTrue(failed.getFailed(), "the checkpoint that fails every time gets a failed report: " + failed);
        assertEquals(config.maxAttempts(), failed.getAttempts(), "after max-attempts tries");
        assertTrue(failed.getFailure().contains("cannot be probed"), "naming the reason: " + failed.getFailure());
        assertEquals(
                failed,
                client.withCallCredentials(GrpcTestSecurity.TEST_OPERATOR)
                        .getReport(GetReportRequest.newBuilder()
                                .setReportId(failed.getReportId())
                                .build()),
                "GetReport returns the failed report like any other");

        for (long step : new long[] {10, 20, 30}) {
            EvalReport next = awaitReport(other, r -> r.getStep() == step, Duration.ofMinutes(3));
            assertFalse(
                    next.getFailed(),
                    "every checkpoint of another run waiting behind it, intermediate (10, 20) and final (30), gets"
                            + " scores, none skipped as superseded: " + next);
        }

        TestCheckpoints.write(storage.settings(), failing, 20, spec, encoder);
        publish(event(failing, 20, true));
        EvalReport last = awaitReport(failing, r -> r.getStep() == 20, Duration.ofMinutes(3));
        assertFalse(last.getFailed(), "the run's own final checkpoint after the failing one gets scores: " + last);
    }

    @Test
    void anEventLeftUncommittedByAStoppedListenerIsEvaluatedByTheNextOne() throws Exception {
        String topic = "restart-" + UUID.randomUUID();
        String group = "restart-" + UUID.randomUUID();
        String run = TestCheckpoints.runId("restart");
        RunSpec spec = TestCheckpoints.spec();
        TestCheckpoints.write(storage.settings(), run, 10, spec, TestCheckpoints.initialEncoder(spec));
        try (Admin admin = kafka.clients().admin()) {
            Topics.ensure(admin, Topics.checkpointsTopic(topic));
        }
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try (Admin admin = kafka.clients().admin()) {
            CheckpointEventLoop first = loop(topic, group, "first");
            Future<?> firstRun = threads.submit(first::run);
            try (KafkaProducer<byte[], byte[]> producer = kafka.clients().producer("test-trainer")) {
                producer.send(new ProducerRecord<>(
                                topic, run.getBytes(), event(run, 10, true).toByteArray()))
                        .get();
            }
            long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
            while (first.evaluating().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(Optional.of(run + "@10"), first.evaluating(), "the first listener evaluates the event");
            first.stop(); // mid-evaluation, as a SIGKILL or a shutdown would leave it
            firstRun.get(30, TimeUnit.SECONDS);
            assertTrue(committed(admin, group).isEmpty(), "the stopped listener committed nothing");
            Thread.sleep(3000);
            assertTrue(reports(run).isEmpty(), "its evaluation was abandoned: no report yet");

            CheckpointEventLoop second = loop(topic, group, "second");
            Future<?> secondRun = threads.submit(second::run);
            EvalReport report = awaitReport(run, r -> r.getStep() == 10, Duration.ofMinutes(3));
            assertFalse(report.getFailed(), "the next listener of the group got the event again and evaluated it");
            deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (committed(admin, group).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertEquals(
                    List.of(1L),
                    committed(admin, group).values().stream()
                            .map(OffsetAndMetadata::offset)
                            .toList(),
                    "committed once its report was stored");
            second.stop();
            secondRun.get(30, TimeUnit.SECONDS);
        } finally {
            threads.shutdownNow();
        }
    }

    private CheckpointEventLoop loop(String topic, String group, String name) {
        KafkaClients clients = kafka.clients();
        return new CheckpointEventLoop(
                clients.checkpointEventsConsumer("eval-" + name, group),
                topic,
                new AutoEvaluator(evaluations, config.maxAttempts(), config.backoff(), new Waits()),
                config.backoff(),
                new Waits(),
                Throwable::toString,
                false);
    }

    private static Map<TopicPartition, OffsetAndMetadata> committed(Admin admin, String group) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>(admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata()
                .get(30, TimeUnit.SECONDS));
        offsets.values().removeIf(java.util.Objects::isNull);
        return offsets;
    }

    private CheckpointEvent event(String run, long step, boolean isFinal) {
        return CheckpointEvent.newBuilder()
                .setRunId(run)
                .setStep(step)
                .setEpoch(step / 10.0)
                .setBucket(storage.bucket())
                .setManifestKey(CheckpointKeys.manifestKey(run, step))
                .setFinal(isFinal)
                .setCreatedAt(Timestamps.fromMillis(System.currentTimeMillis()))
                .build();
    }

    private void publish(CheckpointEvent... events) throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = kafka.clients().producer("test-trainer")) {
            for (CheckpointEvent event : events) {
                producer.send(new ProducerRecord<>(
                                config.checkpointsTopic(), event.getRunId().getBytes(), event.toByteArray()))
                        .get();
            }
        }
    }

    private List<EvalReport> reports(String run) {
        return client.withCallCredentials(GrpcTestSecurity.TEST_OPERATOR)
                .withDeadlineAfter(30, TimeUnit.SECONDS)
                .listReports(ListReportsRequest.newBuilder().setRunId(run).build())
                .getReportsList();
    }

    /** Polls ListReports until the run has a report that {@code wanted} accepts, or fails at the deadline. */
    private EvalReport awaitReport(String run, Predicate<EvalReport> wanted, Duration deadline)
            throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        List<EvalReport> seen = List.of();
        while (System.nanoTime() < end) {
            try {
                seen = reports(run);
                Optional<EvalReport> found = seen.stream().filter(wanted).findFirst();
                if (found.isPresent()) {
                    return found.get();
                }
            } catch (StatusRuntimeException e) {
                // retried until the deadline
            }
            Thread.sleep(500);
        }
        fail("no such report for run " + run + " within " + deadline + "; reports: " + seen);
        return null;
    }

    private String scrape() throws Exception {
        HttpURLConnection connection = (HttpURLConnection) metrics.openConnection();
        try (InputStream body = connection.getInputStream()) {
            assertEquals(200, connection.getResponseCode(), "/q/metrics answers");
            return new String(body.readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            connection.disconnect();
        }
    }

    /** The value of an unlabelled series in the Prometheus text format. */
    private static double value(String scraped, String series) {
        for (String line : scraped.split("\n")) {
            if (line.startsWith(series + " ") || line.startsWith(series + "{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        fail(series + " is not on /q/metrics:\n" + scraped);
        return Double.NaN;
    }
}
