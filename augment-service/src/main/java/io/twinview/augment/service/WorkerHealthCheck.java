package io.twinview.augment.service;

import io.twinview.augment.kafka.TaskWorker;
import io.twinview.augment.kafka.WorkerStats;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.Optional;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/** UP while the worker's poll loop runs; the data shows whether it has subscribed and what it has done. */
@Liveness
@Readiness
@ApplicationScoped
public class WorkerHealthCheck implements HealthCheck {

    @Inject
    AugmentWorkerService service;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("augment-worker");
        Optional<TaskWorker> worker = service.worker();
        if (worker.isEmpty()) {
            return response.down().withData("loop", "not started").build();
        }
        TaskWorker w = worker.get();
        WorkerStats.Snapshot stats = w.stats().snapshot();
        response.status(w.alive())
                .withData("loop", w.alive() ? "running" : "ended")
                .withData("worker-id", w.settings().workerId())
                .withData("tasks-topic", w.settings().tasksTopic())
                .withData("subscribed", w.subscribed())
                .withData("tasks-completed", stats.tasksCompleted())
                .withData("tasks-skipped", stats.tasksSkipped())
                .withData("batches-produced", stats.batchesProduced())
                .withData("produce-failures", stats.produceFailures());
        w.waits().oldest().ifPresent(wait -> response.withData("waiting-for", wait.describe(Instant.now())));
        if (stats.lastSkip() != null) {
            response.withData("last-skip", stats.lastSkip());
        }
        return response.build();
    }
}
