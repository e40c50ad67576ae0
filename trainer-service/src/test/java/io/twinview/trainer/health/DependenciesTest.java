package io.twinview.trainer.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.core.kafka.KafkaClients;
import io.twinview.core.storage.ObjectStore;
import io.twinview.core.storage.StorageSettings;
import io.twinview.stack.LocalStack;
import io.twinview.stack.Ports;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.admin.Admin;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

/** The readiness probe against the real broker and S3 endpoint, and against closed ports. */
class DependenciesTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final String BUCKET = "readiness-test";

    private static ObjectStore store(String endpoint, String bucket) {
        LocalStack stack = LocalStack.shared();
        return new ObjectStore(StorageSettings.of(endpoint, stack.s3AccessKey(), stack.s3SecretKey(), bucket));
    }

    private static Dependencies.Answer ask(String bootstrap, String s3Endpoint, String bucket) {
        Admin admin = KafkaClients.of(bootstrap).admin("readiness-test");
        try (ObjectStore store = store(s3Endpoint, bucket);
                Dependencies dependencies = new Dependencies(admin, store, s3Endpoint, TIMEOUT)) {
            return dependencies.ask();
        } finally {
            admin.close(Duration.ofSeconds(1));
        }
    }

    private static String closedEndpoint() {
        return "http://" + Ports.LOOPBACK + ":" + Ports.free();
    }

    @Test
    void upWhenTheBrokerAndTheBucketAnswer() {
        LocalStack stack = LocalStack.shared();
        try (ObjectStore store = store(stack.s3Endpoint(), BUCKET)) {
            store.ensureBucket();
        }
        Dependencies.Answer answer = ask(stack.kafkaBootstrapServers(), stack.s3Endpoint(), BUCKET);

        assertTrue(answer.up(), "both answer: " + answer);
        assertTrue(answer.details().get(Dependencies.KAFKA).startsWith("ok: cluster "), answer.toString());
        assertEquals(
                "ok: bucket " + BUCKET + " at " + stack.s3Endpoint(),
                answer.details().get(Dependencies.STORAGE),
                "the data says which bucket at which endpoint answered");
        assertEquals(
                HealthCheckResponse.Status.UP, TrainerReadiness.response(answer).getStatus());
    }

    @Test
    void downNamingStorageWhenTheS3EndpointIsClosed() {
        String closed = closedEndpoint();
        Dependencies.Answer answer = ask(LocalStack.shared().kafkaBootstrapServers(), closed, BUCKET);

        assertEquals(List.of(Dependencies.STORAGE), answer.failed(), "only storage failed: " + answer);
        assertTrue(
                answer.details().get(Dependencies.STORAGE).contains(closed),
                "the reason names the endpoint: " + answer.details());
        assertTrue(answer.details().get(Dependencies.KAFKA).startsWith("ok: "), "Kafka still answers: " + answer);
        HealthCheckResponse response = TrainerReadiness.response(answer);
        assertEquals(HealthCheckResponse.Status.DOWN, response.getStatus());
        assertEquals(
                Dependencies.STORAGE,
                response.getData().orElseThrow().get("failed"),
                "the response names the failed dependency");
    }

    @Test
    void downNamingStorageWhenTheBucketIsMissing() {
        LocalStack stack = LocalStack.shared();
        Dependencies.Answer answer = ask(stack.kafkaBootstrapServers(), stack.s3Endpoint(), "no-such-bucket");

        assertEquals(List.of(Dependencies.STORAGE), answer.failed(), answer.toString());
        assertTrue(
                answer.details().get(Dependencies.STORAGE).contains("bucket no-such-bucket does not exist"),
                answer.details().toString());
    }

    @Test
    void downNamingKafkaWithinTheTimeoutWhenTheBrokerIsClosed() {
        LocalStack stack = LocalStack.shared();
        try (ObjectStore store = store(stack.s3Endpoint(), BUCKET)) {
            store.ensureBucket();
        }
        long started = System.nanoTime();
        Dependencies.Answer answer = ask(Ports.LOOPBACK + ":" + Ports.free(), stack.s3Endpoint(), BUCKET);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertEquals(List.of(Dependencies.KAFKA), answer.failed(), "only Kafka failed: " + answer);
        assertEquals(
                Dependencies.KAFKA,
                TrainerReadiness.response(answer).getData().orElseThrow().get("failed"));
        // the bound is loose on purpose: a loaded 2-core CI machine took 6 s; a hang would be the admin
        // client's 60 s default API timeout
        assertTrue(
                took.compareTo(TIMEOUT.plusSeconds(12)) < 0,
                "a probe never hangs past its timeout (and closing the admin client): " + took);
    }
}
