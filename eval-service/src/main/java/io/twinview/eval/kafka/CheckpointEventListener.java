package io.twinview.eval.kafka;

import com.google.protobuf.InvalidProtocolBufferException;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.twinview.core.config.KafkaConfig;
import io.twinview.core.kafka.KafkaClients;
import io.twinview.core.kafka.Topics;
import io.twinview.eval.config.EvalConfig;
import io.twinview.eval.service.EvalNotFoundException;
import io.twinview.eval.service.EvaluationService;
import io.twinview.eval.service.InvalidEvalRequestException;
import io.twinview.proto.v1.CheckpointEvent;
import io.twinview.proto.v1.EvalReport;
import io.twinview.proto.v1.EvaluateRequest;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * Evaluates the checkpoints announced on the checkpoints topic ({@code twinview.eval.auto}).
 *
 * <p>One dedicated thread, started and stopped with the application, owns the consumer. It polls a
 * batch, keeps per run the newest event and every final one ({@link PendingEvents}), hands them
 * one by one to the shared evaluation thread and, while one runs, pauses its partitions and keeps
 * polling (so the group does not evict it, and events that arrive meanwhile wait for the next
 * round, where stale ones are skipped). Offsets are committed once the batch is handled; a failing
 * evaluation is logged and counts as handled. Reports are idempotent, so an event delivered again
 * after a crash finds its report stored.
 */
@ApplicationScoped
public class CheckpointEventListener {

    private static final Logger LOG = Logger.getLogger(CheckpointEventListener.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final long WAIT_SLICE_MS = 1000;

    @Inject
    EvalConfig config;

    @Inject
    EvaluationService evaluations;

    @Inject
    KafkaConfig kafkaConfig;

    private volatile boolean stopping;
    private volatile RuntimeException injected;
    private volatile String endedBy;
    private KafkaConsumer<byte[], byte[]> consumer;
    private ExecutorService thread;
    private volatile Future<?> loop;

    /** Where the listener stands, for the liveness check. */
    public enum State {
        /** {@code twinview.eval.auto=false}: no listener by design. */
        DISABLED,
        /** Not started yet (before StartupEvent). */
        STARTING,
        RUNNING,
        /** Stopped by the application's shutdown. */
        STOPPED,
        /** The loop ended while the application runs: checkpoint events are no longer evaluated. */
        DIED
    }

    public State state() {
        if (!config.auto()) {
            return State.DISABLED;
        }
        Future<?> current = loop;
        if (current == null) {
            return State.STARTING;
        }
        if (!current.isDone()) {
            return State.RUNNING;
        }
        return stopping ? State.STOPPED : State.DIED;
    }

    /** Why the loop ended, when it {@link State#DIED}; else null. */
    public String endedBy() {
        return endedBy;
    }

    /** Tests: the loop throws {@code failure} at its next turn, as if its consumer had failed. */
    void injectFailure(RuntimeException failure) {
        injected = failure;
    }

    void onStart(@Observes @Priority(Interceptor.Priority.APPLICATION + 200) StartupEvent event) {
        if (!config.auto()) {
            LOG.info("twinview.eval.auto=false: checkpoint events are not evaluated automatically");
            return;
        }
        KafkaClients kafka = kafkaConfig.clients();
        try (Admin admin = kafka.admin()) {
            Topics.ensure(admin, Topics.checkpointsTopic(config.checkpointsTopic()));
        }
        consumer = kafka.checkpointEventsConsumer("eval-" + config.groupId(), config.groupId());
        thread = Executors.newSingleThreadExecutor(runnable -> new Thread(runnable, "eval-checkpoint-events"));
        loop = thread.submit(this::run);
        LOG.infof("evaluating checkpoint events of %s (group %s)", config.checkpointsTopic(), config.groupId());
    }

    void onStop(@Observes @Priority(Interceptor.Priority.APPLICATION) ShutdownEvent event) {
        if (loop == null) {
            return;
        }
        stopping = true;
        consumer.wakeup();
        try {
            loop.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            LOG.error("the checkpoint event listener failed", e.getCause());
        } catch (TimeoutException e) {
            LOG.warn("the checkpoint event listener did not stop within 30 s");
            loop.cancel(true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        thread.shutdown();
    }

    private void run() {
        List<ConsumerRecord<byte[], byte[]>> backlog = new ArrayList<>();
        try {
            consumer.subscribe(List.of(config.checkpointsTopic()));
            while (!stopping) {
                RuntimeException failure = injected;
                if (failure != null) {
                    throw failure;
                }
                consumer.poll(POLL).forEach(backlog::add);
                if (!backlog.isEmpty()) {
                    List<ConsumerRecord<byte[], byte[]>> batch = new ArrayList<>(backlog);
                    backlog.clear();
                    handle(batch, backlog);
                }
            }
        } catch (WakeupException e) {
            if (!stopping) {
                endedBy = "woken up unexpectedly";
                LOG.error("the checkpoint event listener was woken up unexpectedly", e);
            }
        } catch (RuntimeException | Error e) {
            // an ACL or login the broker refused is named as such (user, topic or group)
            endedBy = kafkaConfig.clients().security(e).orElse(e.toString());
            LOG.error("the checkpoint event listener stopped: " + endedBy, e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** Evaluates what the batch calls for, then commits it; records polled meanwhile go to the backlog. */
    private void handle(List<ConsumerRecord<byte[], byte[]>> batch, List<ConsumerRecord<byte[], byte[]>> backlog) {
        List<CheckpointEvent> events = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : batch) {
            try {
                CheckpointEvent event = CheckpointEvent.parseFrom(record.value());
                if (event.getRunId().isEmpty()) {
                    LOG.warnf(
                            "skipping checkpoint event at %s-%d@%d: no run id",
                            record.topic(), record.partition(), record.offset());
                } else {
                    events.add(event);
                }
            } catch (InvalidProtocolBufferException | NullPointerException e) {
                LOG.warnf(
                        "skipping a record at %s-%d@%d that is not a CheckpointEvent: %s",
                        record.topic(), record.partition(), record.offset(), e.getMessage());
            }
        }
        List<CheckpointEvent> selected = PendingEvents.select(events);
        if (selected.size() < events.size()) {
            LOG.infof(
                    "%d checkpoint events waited; evaluating %s (newest of each run and every final one)",
                    events.size(),
                    selected.stream().map(e -> e.getRunId() + "@" + e.getStep()).toList());
        }
        consumer.pause(consumer.assignment());
        try {
            for (CheckpointEvent event : selected) {
                if (stopping) {
                    return; // not committed: the group delivers the batch again
                }
                evaluate(event, backlog);
            }
            commit(batch);
        } finally {
            consumer.resume(consumer.paused());
        }
    }

    private void evaluate(CheckpointEvent event, List<ConsumerRecord<byte[], byte[]>> backlog) {
        String what = event.getRunId() + " step " + event.getStep() + (event.getFinal() ? " (final)" : "");
        Future<EvalReport> future;
        try {
            future = evaluations.submit(EvaluateRequest.newBuilder()
                    .setRunId(event.getRunId())
                    .setStep(event.getStep())
                    .build());
        } catch (RuntimeException e) {
            LOG.errorf("checkpoint %s not evaluated: %s", what, e.getMessage());
            return;
        }
        while (!stopping) {
            try {
                EvalReport report = future.get(WAIT_SLICE_MS, TimeUnit.MILLISECONDS);
                LOG.infof("checkpoint %s evaluated: report %s", what, report.getReportId());
                return;
            } catch (TimeoutException e) {
                consumer.poll(Duration.ZERO).forEach(backlog::add); // partitions paused: keeps the membership alive
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof InvalidEvalRequestException || cause instanceof EvalNotFoundException) {
                    LOG.errorf("checkpoint %s not evaluated: %s", what, cause.getMessage());
                } else {
                    LOG.errorf(cause, "checkpoint %s not evaluated: %s", what, cause.getMessage());
                }
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopping = true;
                return;
            }
        }
    }

    private void commit(List<ConsumerRecord<byte[], byte[]>> batch) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : batch) {
            offsets.merge(
                    new TopicPartition(record.topic(), record.partition()),
                    new OffsetAndMetadata(record.offset() + 1),
                    (a, b) -> a.offset() >= b.offset() ? a : b);
        }
        try {
            consumer.commitSync(offsets);
        } catch (CommitFailedException e) {
            LOG.warnf(
                    "could not commit checkpoint events %s (the group rebalanced); they may be evaluated again: %s",
                    offsets, e.getMessage());
        }
    }
}
