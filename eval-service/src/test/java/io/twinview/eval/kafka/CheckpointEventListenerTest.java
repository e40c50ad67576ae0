package io.twinview.eval.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.util.Timestamps;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.twinview.core.config.KafkaConfig;
import io.twinview.core.config.StorageConfig;
import io.twinview.core.grpc.GrpcTestSecurity;
import io.twinview.eval.TestCheckpoints;
import io.twinview.eval.config.EvalConfig;
import io.twinview.proto.v1.CheckpointEvent;
import io.twinview.proto.v1.EvalReport;
import io.twinview.proto.v1.EvalServiceGrpc;
import io.twinview.proto.v1.ListReportsRequest;
import io.twinview.proto.v1.RunSpec;
import io.twinview.stack.quarkus.LocalStackTestResource;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
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

        EvalReport report = awaitReport(run, Duration.ofMinutes(3));
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

    /** Polls ListReports until the run has a report, or fails at the deadline. */
    private EvalReport awaitReport(String run, Duration deadline) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        while (System.nanoTime() < end) {
            try {
                List<EvalReport> reports = client.withCallCredentials(GrpcTestSecurity.TEST_OPERATOR)
                        .withDeadlineAfter(30, TimeUnit.SECONDS)
                        .listReports(
                                ListReportsRequest.newBuilder().setRunId(run).build())
                        .getReportsList();
                if (!reports.isEmpty()) {
                    return reports.get(0);
                }
            } catch (StatusRuntimeException e) {
                // the run folder exists, so NOT_FOUND cannot happen; anything else is retried until the deadline
            }
            Thread.sleep(500);
        }
        fail("no report for run " + run + " within " + deadline + " of publishing its checkpoint event"
                + " (a malformed record was published before it and must have been skipped)");
        return null;
    }
}
