package io.twinview.augment.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.twinview.stack.quarkus.LocalStackTestResource;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(LocalStackTestResource.class)
class WorkerHealthCheckTest {

    @TestHTTPResource("/q/health/live")
    URL live;

    @TestHTTPResource("/q/health/ready")
    URL ready;

    @Test
    void livenessAndReadinessReportTheWorkerLoopUp() throws Exception {
        for (URL url : new URL[] {live, ready}) {
            HttpURLConnection connection = (HttpURLConnection) url.openConnection();
            try (InputStream body =
                    connection.getResponseCode() == 200 ? connection.getInputStream() : connection.getErrorStream()) {
                String json = new String(body.readAllBytes(), StandardCharsets.UTF_8);
                assertEquals(200, connection.getResponseCode(), url + " answers 200 while the loop runs: " + json);
                assertTrue(
                        json.contains("\"augment-worker\"") && json.contains("\"running\""),
                        url + " reports the augment-worker check with the loop running: " + json);
            } finally {
                connection.disconnect();
            }
        }
    }
}
