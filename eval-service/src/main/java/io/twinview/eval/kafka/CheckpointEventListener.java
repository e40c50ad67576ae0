package io.twinview.eval.kafka;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.twinview.core.config.KafkaConfig;
import io.twinview.core.kafka.KafkaClients;
import io.twinview.core.kafka.Topics;
import io.twinview.core.retry.Waits;
import io.twinview.eval.config.EvalConfig;
import io.twinview.eval.service.AutoEvaluator;
import io.twinview.eval.service.EvaluationService;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.jboss.logging.Logger;

/**
 * Evaluates the checkpoints announced on the checkpoints topic ({@code twinview.eval.auto}): one
 * dedicated thread, started and stopped with the application, runs the {@link CheckpointEventLoop}
 * that owns the consumer (what it guarantees is described there and in {@link AutoEvaluator}).
 * Its state feeds the liveness check: a loop that ended with the application still up makes the
 * service not live, so that a restart brings the listener back.
 */
@ApplicationScoped
public class CheckpointEventListener {

    private static final Logger LOG = Logger.getLogger(CheckpointEventListener.class);

    @Inject
    EvalConfig config;

    @Inject
    EvaluationService evaluations;

    @Inject
    KafkaConfig kafkaConfig;

    private volatile CheckpointEventLoop eventLoop;
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
        return eventLoop.stopping() ? State.STOPPED : State.DIED;
    }

    /** Why the loop ended, when it {@link State#DIED}; else null. */
    public String endedBy() {
        CheckpointEventLoop current = eventLoop;
        if (current == null) {
            return null;
        }
        if (current.endedBy() == null && state() == State.DIED) {
            return "the loop ended without an error";
        }
        return current.endedBy();
    }

    /** The checkpoint being evaluated now ({@code run@step}). */
    public Optional<String> evaluating() {
        CheckpointEventLoop current = eventLoop;
        return current == null ? Optional.empty() : current.evaluating();
    }

    /** What the listener is waiting out now (storage, the broker): the process's one {@link Waits}, shared with the storage client. */
    public Waits waits() {
        return evaluations.waits();
    }

    /** Tests: the loop throws {@code failure} at its next turn, as if its consumer had failed. */
    void injectFailure(Throwable failure) {
        eventLoop.injectFailure(failure);
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
        eventLoop = new CheckpointEventLoop(
                kafka.checkpointEventsConsumer("eval-" + config.groupId(), config.groupId()),
                config.checkpointsTopic(),
                new AutoEvaluator(evaluations, config.maxAttempts(), config.backoff(), evaluations.waits()),
                config.backoff(),
                evaluations.waits(),
                // an ACL or login the broker refused is named as such (user, topic or group)
                e -> kafka.security(e).orElse(e.toString()),
                config.skipSuperseded());
        thread = Executors.newSingleThreadExecutor(runnable -> new Thread(runnable, "eval-checkpoint-events"));
        loop = thread.submit(eventLoop::run);
        LOG.infof(
                "evaluating checkpoint events of %s (group %s, %s, %d tries per checkpoint, transient failures"
                        + " retried for %s)",
                config.checkpointsTopic(),
                config.groupId(),
                config.skipSuperseded() ? "superseded intermediate checkpoints skipped" : "every checkpoint",
                config.maxAttempts(),
                config.retryFor());
    }

    void onStop(@Observes @Priority(Interceptor.Priority.APPLICATION) ShutdownEvent event) {
        if (loop == null) {
            return;
        }
        eventLoop.stop();
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
}
