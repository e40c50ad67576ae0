package io.twinview.augment.service;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.twinview.augment.kafka.WorkerStats;
import io.twinview.core.retry.Waits;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The worker's {@link WorkerStats} on {@code /q/metrics}, read at each scrape (the worker itself
 * knows nothing of Micrometer). In Prometheus' names:
 *
 * <ul>
 *   <li>{@code twinview_worker_views_total}: views produced and acknowledged, two per sample
 *       ({@code rate()} of it is views/s);</li>
 *   <li>{@code twinview_worker_view_batches_total}: ViewBatch records acknowledged;</li>
 *   <li>{@code twinview_worker_task_seconds_count/_sum}: completed tasks and the time they took;</li>
 *   <li>{@code twinview_worker_tasks_total{outcome}}: {@code done}; {@code failed} (views not all
 *       acknowledged, read again); {@code skipped} (unusable record, committed);
 *       {@code abandoned} (left uncommitted by a stopping worker);</li>
 *   <li>{@code twinview_worker_dead_letters_total}: unreadable samples sent to the dead-letter topic;</li>
 *   <li>{@code twinview_worker_partitions}: partitions of the tasks topic the worker holds;</li>
 *   <li>{@code twinview_waiting{on="broker|storage"}}: 1 while the worker waits out the broker (retrying a
 *       task or a commit), else 0.</li>
 * </ul>
 */
@ApplicationScoped
public class WorkerMetrics {

    @Inject
    AugmentWorkerService service;

    @Inject
    MeterRegistry registry;

    void onStart(@Observes StartupEvent event) {
        counter(
                "twinview.worker.views",
                "views produced and acknowledged, two per sample",
                s -> 2.0 * s.snapshot().samplesAugmented());
        counter(
                "twinview.worker.view.batches",
                "ViewBatch records acknowledged",
                s -> s.snapshot().batchesProduced());
        counter(
                "twinview.worker.dead.letters",
                "unreadable samples sent to the dead-letter topic",
                s -> s.snapshot().samplesRejected());
        tasks("done", s -> s.snapshot().tasksCompleted());
        tasks("failed", s -> s.snapshot().produceFailures());
        tasks("skipped", s -> s.snapshot().tasksSkipped());
        tasks("abandoned", WorkerStats::tasksAbandoned);
        FunctionTimer.builder(
                        "twinview.worker.task",
                        service,
                        svc -> (long) read(svc, s -> s.snapshot().tasksCompleted()),
                        svc -> read(svc, WorkerStats::taskSeconds),
                        TimeUnit.SECONDS)
                .description("completed tasks: from the record in hand to the last view acknowledged")
                .register(registry);
        Gauge.builder("twinview.worker.partitions", service, svc -> read(svc, WorkerStats::partitions))
                .description("partitions of the tasks topic this worker holds")
                .register(registry);
        for (String on : java.util.List.of(Waits.BROKER, Waits.STORAGE)) {
            Gauge.builder(
                            "twinview.waiting",
                            service,
                            svc -> svc.worker().map(w -> w.waits().waiting(on)).orElse(false) ? 1 : 0)
                    .description("1 while the worker waits out this dependency (retrying), else 0")
                    .tag("on", on)
                    .register(registry);
        }
    }

    private void counter(String name, String description, ToDoubleFunction<WorkerStats> value) {
        FunctionCounter.builder(name, service, svc -> read(svc, value))
                .description(description)
                .register(registry);
    }

    private void tasks(String outcome, ToDoubleFunction<WorkerStats> value) {
        FunctionCounter.builder("twinview.worker.tasks", service, svc -> read(svc, value))
                .tag("outcome", outcome)
                .description("tasks by outcome: done (views all acknowledged), failed (views not all acknowledged,"
                        + " read again), skipped (unusable record), abandoned (left by a stopping worker)")
                .register(registry);
    }

    private static double read(AugmentWorkerService service, ToDoubleFunction<WorkerStats> value) {
        Optional<WorkerStats> stats = service.worker().map(w -> w.stats());
        return stats.map(value::applyAsDouble).orElse(0.0);
    }
}
