package io.twinview.eval.kafka;

import com.google.protobuf.InvalidProtocolBufferException;
import io.twinview.core.retry.Backoff;
import io.twinview.core.retry.Waits;
import io.twinview.eval.service.AutoEvaluator;
import io.twinview.proto.v1.CheckpointEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * The loop of the checkpoint-event listener, on the thread that owns its consumer: poll a batch,
 * keep each (run, step) once, or with skip-superseded only each run's newest and every final one
 * ({@link PendingEvents}), have each evaluated
 * ({@link AutoEvaluator}: retried, or a failed report), then commit the batch. While an evaluation
 * runs the partitions are paused and the loop keeps polling, so the group does not evict it.
 *
 * <p>Nothing lost: offsets are committed only once every selected event has a stored report (or
 * was skipped on purpose); a loop stopped mid-batch, or a process killed, commits nothing and the
 * group delivers the batch again (reports are idempotent: a stored one is not evaluated again). A
 * commit that times out (the broker away) is retried with the backoff, then again until it
 * succeeds or the loop stops. Any other error ends the loop with {@link #endedBy()} set.
 */
final class CheckpointEventLoop {

    private static final Logger LOG = Logger.getLogger(CheckpointEventLoop.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(10);

    private final Consumer<byte[], byte[]> consumer;
    private final String topic;
    private final AutoEvaluator evaluator;
    private final Backoff backoff;
    private final Waits waits;
    private final Function<Throwable, String> describe;
    private final boolean skipSuperseded;

    private volatile boolean stopping;
    private volatile Throwable injected;
    private volatile String endedBy;
    private volatile String evaluating;

    /**
     * @param consumer  used only by the thread that calls {@link #run()}, which closes it
     * @param describe  how a fatal error is named in {@link #endedBy()} (Kafka security failures as such)
     * @param skipSuperseded twinview.eval.skip-superseded
     */
    CheckpointEventLoop(
            Consumer<byte[], byte[]> consumer,
            String topic,
            AutoEvaluator evaluator,
            Backoff backoff,
            Waits waits,
            Function<Throwable, String> describe,
            boolean skipSuperseded) {
        this.consumer = consumer;
        this.topic = topic;
        this.evaluator = evaluator;
        this.backoff = backoff;
        this.waits = waits;
        this.describe = describe;
        this.skipSuperseded = skipSuperseded;
    }

    /** Stops the loop at its next turn, committing nothing not yet evaluated; any thread. */
    void stop() {
        stopping = true;
        consumer.wakeup();
    }

    boolean stopping() {
        return stopping;
    }

    /** Why the loop ended by itself (an error); null while it runs or when it was stopped. */
    String endedBy() {
        return endedBy;
    }

    /** The checkpoint being evaluated now, as {@code run@step}. */
    Optional<String> evaluating() {
        return Optional.ofNullable(evaluating);
    }

    /** Tests: the loop throws {@code failure} at its next turn, as if its consumer had failed. */
    void injectFailure(Throwable failure) {
        injected = failure;
    }

    /** Runs until {@link #stop()} or a fatal error, then closes the consumer. */
    void run() {
        List<ConsumerRecord<byte[], byte[]>> backlog = new ArrayList<>();
        try {
            consumer.subscribe(List.of(topic));
            while (!stopping) {
                throwInjected();
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
        } catch (Throwable e) {
            endedBy = describe.apply(e);
            LOG.error(
                    "the checkpoint event listener died; checkpoints are no longer evaluated until a restart: "
                            + endedBy,
                    e);
        } finally {
            evaluating = null;
            try {
                consumer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.warnf("closing the checkpoint event consumer: %s", e.toString());
            }
        }
    }

    private void throwInjected() {
        Throwable failure = injected;
        if (failure instanceof Error error) {
            throw error;
        }
        if (failure instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (failure != null) {
            throw new IllegalStateException(failure);
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
        List<CheckpointEvent> selected = PendingEvents.select(events, skipSuperseded);
        if (selected.size() < events.size()) {
            LOG.infof(
                    "%d checkpoint events waited; evaluating %s (%s)",
                    events.size(),
                    selected.stream().map(e -> e.getRunId() + "@" + e.getStep()).toList(),
                    skipSuperseded ? "newest of each run and every final one" : "each checkpoint once");
        }
        AutoEvaluator.Caller caller = new AutoEvaluator.Caller() {
            @Override
            public void whileWaiting() {
                throwInjected();
                consumer.poll(Duration.ZERO).forEach(backlog::add); // partitions paused: keeps the membership alive
            }

            @Override
            public boolean stopping() {
                return stopping;
            }
        };
        consumer.pause(consumer.assignment());
        try {
            for (CheckpointEvent event : selected) {
                if (stopping) {
                    return; // not committed: the group delivers the batch again
                }
                evaluating = event.getRunId() + "@" + event.getStep();
                AutoEvaluator.Outcome outcome =
                        evaluator.evaluate(event.getRunId(), event.getStep(), event.getFinal(), caller);
                evaluating = null;
                if (!outcome.handled()) {
                    stopping = true; // interrupted: nothing more is evaluated, nothing committed
                    return;
                }
                LOG.infof(
                        "checkpoint %s@%d%s: %s (%s)",
                        event.getRunId(),
                        event.getStep(),
                        event.getFinal() ? " (final)" : "",
                        outcome.result().name().toLowerCase(java.util.Locale.ROOT),
                        outcome.detail());
            }
            commit(batch);
        } finally {
            evaluating = null;
            consumer.resume(consumer.paused());
        }
    }

    /** Commits the batch, waiting out a broker that does not answer; a rebalanced group gets it again. */
    private void commit(List<ConsumerRecord<byte[], byte[]>> batch) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : batch) {
            offsets.merge(
                    new TopicPartition(record.topic(), record.partition()),
                    new OffsetAndMetadata(record.offset() + 1),
                    (a, b) -> a.offset() >= b.offset() ? a : b);
        }
        while (!stopping) {
            try {
                backoff.call(
                        () -> {
                            consumer.commitSync(offsets, COMMIT_TIMEOUT);
                            return null;
                        },
                        e -> !stopping && e instanceof RetriableException,
                        waits.on(Waits.BROKER));
                return;
            } catch (CommitFailedException | RebalanceInProgressException e) {
                LOG.warnf(
                        "could not commit checkpoint events %s (the group rebalanced); they may be evaluated again: %s",
                        offsets, e.getMessage());
                return;
            } catch (RetriableException e) {
                if (!stopping) {
                    LOG.errorf(
                            "committing checkpoint events %s still fails after %s; trying on: %s",
                            offsets, backoff.giveUpAfter(), e.toString());
                }
            }
        }
        LOG.infof("stopped before committing checkpoint events %s: the group delivers them again", offsets);
    }
}
