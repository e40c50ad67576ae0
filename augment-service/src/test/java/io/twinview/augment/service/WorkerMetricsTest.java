package io.twinview.augment.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.twinview.augment.config.AugmentConfig;
import io.twinview.augment.kafka.TaskWorker;
import io.twinview.core.augment.AugmentRecipes;
import io.twinview.core.kafka.KafkaClients;
import io.twinview.core.kafka.Topics;
import io.twinview.proto.AugmentSchema;
import io.twinview.proto.v1.AugmentRecipe;
import io.twinview.proto.v1.AugmentTask;
import io.twinview.stack.LocalStack;
import io.twinview.stack.quarkus.LocalStackTestResource;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** The worker's figures on /q/metrics, scraped over HTTP after it did a task and skipped a record. */
@QuarkusTest
@QuarkusTestResource(LocalStackTestResource.class)
class WorkerMetricsTest {

    @TestHTTPResource("/q/metrics")
    URL metrics;

    @Inject
    AugmentWorkerService service;

    @Inject
    AugmentConfig config;

    @Test
    void tasksViewsAndTaskSecondsAreScrapedWithPlausibleValues() throws Exception {
        TaskWorker worker = service.worker().orElseThrow();
        await("the worker subscribed", () -> worker.subscribed());
        long doneBefore = worker.stats().snapshot().tasksCompleted();
        long skippedBefore = worker.stats().snapshot().tasksSkipped();
        String runId = "metrics-" + Long.toString(System.currentTimeMillis(), 36);
        KafkaClients kafka = KafkaClients.of(LocalStack.shared().kafkaBootstrapServers());
        try (Admin admin = kafka.admin()) {
            Topics.ensure(admin, Topics.viewsTopic(runId, 1, Duration.ofHours(1).toMillis(), 64L << 20));
        }
        AugmentTask task = AugmentTask.newBuilder()
                .setSchemaVersion(AugmentSchema.VERSION)
                .setRunId(runId)
                .setTaskId(1)
                .setDatasetUri("synthetic:?n=100")
                .addAllSampleIndices(LongStream.range(0, 40).boxed().toList())
                .setImageSize(32)
                .setRecipe(AugmentRecipes.resolve(
                        AugmentRecipe.newBuilder().setName("simclr").build()))
                .setSeed(5)
                .setViewsTopic(Topics.viewsTopic(runId))
                .setMaxSamplesPerBatch(16)
                .build();
        try (KafkaProducer<byte[], byte[]> producer = kafka.producer("test-trainer")) {
            byte[] key = runId.getBytes(StandardCharsets.UTF_8);
            producer.send(new ProducerRecord<>(config.tasksTopic(), 3, key, new byte[] {(byte) 0xff, 0x01}))
                    .get(30, TimeUnit.SECONDS);
            producer.send(new ProducerRecord<>(config.tasksTopic(), 3, key, task.toByteArray()))
                    .get(30, TimeUnit.SECONDS);
        }
        await(
                "the task is done and the garbage skipped",
                () -> worker.stats().snapshot().tasksCompleted() > doneBefore
                        && worker.stats().snapshot().tasksSkipped() > skippedBefore);

        Map<String, Double> scraped = scrape();
        assertTrue(
                value(scraped, "twinview_worker_tasks_total{outcome=\"done\"}") >= doneBefore + 1,
                "done tasks counted: " + scraped);
        assertTrue(
                value(scraped, "twinview_worker_tasks_total{outcome=\"skipped\"}") >= skippedBefore + 1,
                "the garbage record counted as skipped: " + scraped);
        assertEquals(0.0, value(scraped, "twinview_worker_tasks_total{outcome=\"abandoned\"}"), "nothing abandoned");
        assertTrue(scraped.containsKey("twinview_worker_tasks_total{outcome=\"failed\"}"), "failed is exported");
        double views = value(scraped, "twinview_worker_views_total");
        assertTrue(views >= 80 && views % 2 == 0, "two views for each of the 40 samples, at least: " + views);
        assertTrue(value(scraped, "twinview_worker_view_batches_total") >= 3, "ceil(40 / 16) = 3 batches at least");
        double count = value(scraped, "twinview_worker_task_seconds_count");
        double sum = value(scraped, "twinview_worker_task_seconds_sum");
        assertEquals(
                value(scraped, "twinview_worker_tasks_total{outcome=\"done\"}"), count, "one timing per done task");
        assertTrue(sum > 0 && sum / count < 60, "a 40-sample task takes well under a minute: " + sum + " s / " + count);
        assertEquals(0.0, value(scraped, "twinview_worker_dead_letters_total"), "no unreadable sample here");
        assertTrue(value(scraped, "twinview_worker_partitions") >= 1, "the worker holds tasks partitions");
    }

    private static double value(Map<String, Double> scraped, String series) {
        Double value = scraped.get(series);
        assertTrue(value != null, series + " is on /q/metrics: " + scraped);
        return value;
    }

    /** {@code name{labels} value} lines of the Prometheus text format (a trailing comma in labels dropped); comments skipped. */
    private Map<String, Double> scrape() throws Exception {
        HttpURLConnection connection = (HttpURLConnection) metrics.openConnection();
        try (InputStream body = connection.getInputStream()) {
            assertEquals(200, connection.getResponseCode(), "/q/metrics answers");
            Map<String, Double> values = new HashMap<>();
            for (String line : new String(body.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("twinview_")) {
                    int space = line.lastIndexOf(' ');
                    values.put(
                            line.substring(0, space).replace(",}", "}"), Double.parseDouble(line.substring(space + 1)));
                }
            }
            return values;
        } finally {
            connection.disconnect();
        }
    }

    private static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
            Thread.sleep(100);
        }
    }
}
