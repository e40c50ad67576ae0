package io.twinview.eval.kafka;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.Locale;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;

/**
 * Live while the checkpoint-event listener runs: once its loop has ended with the application still
 * up, checkpoint events are no longer evaluated and only a restart brings the listener back, so the
 * check turns DOWN and names the listener and why it ended (any error or Throwable of its thread).
 * UP when automatic evaluation is off ({@code twinview.eval.auto=false}) or the listener has not
 * started yet; UP while it waits out a storage or broker outage, which it shows as {@code waiting}
 * (a restart would not help), with the checkpoint it is {@code evaluating}.
 */
@Liveness
@ApplicationScoped
public class CheckpointListenerHealthCheck implements HealthCheck {

    @Inject
    CheckpointEventListener listener;

    @Override
    public HealthCheckResponse call() {
        CheckpointEventListener.State state = listener.state();
        HealthCheckResponseBuilder response = HealthCheckResponse.named("checkpoint-event-listener")
                .status(state != CheckpointEventListener.State.DIED)
                .withData("state", state.name().toLowerCase(Locale.ROOT));
        if (state == CheckpointEventListener.State.DIED && listener.endedBy() != null) {
            response.withData("ended-by", listener.endedBy());
        }
        listener.evaluating().ifPresent(checkpoint -> response.withData("evaluating", checkpoint));
        Instant now = Instant.now();
        listener.waits().oldest().ifPresent(wait -> response.withData("waiting", wait.describe(now)));
        return response.build();
    }
}
