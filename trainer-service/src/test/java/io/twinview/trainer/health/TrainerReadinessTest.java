package io.twinview.trainer.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.twinview.stack.quarkus.LocalStackTestResource;
import io.twinview.trainer.metrics.Scrape;
import java.net.URL;
import org.junit.jupiter.api.Test;

/** /q/health of the running service, with the test stack's Kafka and S3 up. */
@QuarkusTest
@QuarkusTestResource(LocalStackTestResource.class)
class TrainerReadinessTest {

    @TestHTTPResource("/q/health/ready")
    URL ready;

    @TestHTTPResource("/q/health/live")
    URL live;

    @Test
    void readyReportsKafkaAndStorageUp() throws Exception {
        Scrape.Response response = Scrape.get(ready);

        assertEquals(200, response.status(), "ready while both answer: " + response.body());
        assertTrue(
                response.body().contains("\"" + TrainerReadiness.NAME + "\"")
                        && response.body().contains("ok: cluster")
                        && response.body().contains("ok: bucket trainer-test"),
                "the check's data names each dependency: " + response.body());
    }

    @Test
    void livenessDoesNotAskTheDependencies() throws Exception {
        Scrape.Response response = Scrape.get(live);

        assertEquals(200, response.status(), response.body());
        assertFalse(
                response.body().contains(TrainerReadiness.NAME),
                "an outage of Kafka or S3 must not restart the trainer: " + response.body());
    }
}
