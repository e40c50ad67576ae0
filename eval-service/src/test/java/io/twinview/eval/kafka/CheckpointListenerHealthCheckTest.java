package io.twinview.eval.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.arc.ClientProxy;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.twinview.stack.quarkus.LocalStackTestResource;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Eval is live only while its checkpoint-event listener runs. An application of its own (a test
 * profile): the listener is made to die here, and other tests must not inherit a dead one.
 */
@QuarkusTest
@TestProfile(CheckpointListenerHealthCheckTest.OwnApplication.class)
@QuarkusTestResource(LocalStackTestResource.class)
class CheckpointListenerHealthCheckTest {

    /** Its own consumer group, so this application's listener takes no events from the others'. */
    public static final class OwnApplication implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("twinview.eval.group-id", "twinview-eval-liveness-test");
        }
    }

    @TestHTTPResource("/q/health/live")
    URL live;

    @Inject
    CheckpointEventListener listener;

    @Test
    void livenessTurnsDownNamingTheListenerOnceItsLoopDies() throws Exception {
        Response up = get();
        assertEquals(200, up.status(), "live while the listener runs: " + up.body());
        assertTrue(
                up.body().contains("\"checkpoint-event-listener\"") && up.body().contains("\"running\""),
                "the check names the listener, running: " + up.body());

        // an Error, not only an exception: whatever ends the thread must make the service not live
        ClientProxy.unwrap(listener).injectFailure(new OutOfMemoryError("the consumer failed (injected)"));

        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Response down = get();
        while (down.status() == 200 && System.nanoTime() < deadline) {
            Thread.sleep(200);
            down = get();
        }
        assertEquals(503, down.status(), "DOWN once the loop ended: " + down.body());
        assertTrue(
                down.body().contains("\"checkpoint-event-listener\"")
                        && down.body().contains("\"died\"")
                        && down.body().contains("the consumer failed (injected)"),
                "the check names the listener and why it ended: " + down.body());
    }

    private record Response(int status, String body) {}

    private Response get() throws Exception {
        HttpURLConnection connection = (HttpURLConnection) live.openConnection();
        try (InputStream body =
                connection.getResponseCode() < 400 ? connection.getInputStream() : connection.getErrorStream()) {
            return new Response(connection.getResponseCode(), new String(body.readAllBytes(), StandardCharsets.UTF_8));
        } finally {
            connection.disconnect();
        }
    }
}
