package io.twinview.core.retry;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.jboss.logging.Logger;

/**
 * What a process is waiting out right now (the broker, storage, workers, another trainer's lease),
 * shared by the clients that wait and the progress, health and metrics that report it. Thread-safe:
 * the training thread, Kafka callbacks and gRPC threads all read and write it.
 */
public final class Waits {

    private static final Logger LOG = Logger.getLogger(Waits.class);

    /** Standard names of what is waited for, as {@code RunProgress.waiting_for} shows them. */
    public static final String BROKER = "broker";

    public static final String STORAGE = "storage";
    public static final String WORKERS = "workers";
    public static final String LEASE = "lease";

    /**
     * One ongoing wait.
     *
     * @param on what is waited for ({@link #BROKER}, {@link #STORAGE}...)
     * @param detail why, e.g. the last error
     * @param since when it began
     */
    public record Wait(String on, String detail, Instant since) {

        /** "waiting for storage since 12:00:03 (40 s): Connection refused". */
        public String describe(Instant now) {
            return "waiting for " + on + " for " + Duration.between(since, now).toSeconds() + " s: " + detail;
        }
    }

    private final ConcurrentMap<String, Wait> current = new ConcurrentHashMap<>();

    /** Marks {@code on} as waited for (keeping the first {@code since} of an ongoing wait). */
    public void begin(String on, String detail) {
        current.compute(on, (key, old) -> {
            if (old == null) {
                LOG.warnf("waiting for %s: %s", on, detail);
                return new Wait(on, detail, Instant.now());
            }
            return new Wait(on, detail, old.since());
        });
    }

    /** {@code on} is back. */
    public void end(String on) {
        Wait ended = current.remove(on);
        if (ended != null) {
            LOG.infof(
                    "%s is back after %d s",
                    on, Duration.between(ended.since(), Instant.now()).toSeconds());
        }
    }

    /** The longest ongoing wait. */
    public Optional<Wait> oldest() {
        return current.values().stream().min(Comparator.comparing(Wait::since));
    }

    public List<Wait> all() {
        return current.values().stream()
                .sorted(Comparator.comparing(Wait::since))
                .toList();
    }

    public boolean waiting(String on) {
        return current.containsKey(on);
    }

    /** A waiter for {@link Backoff#call} that reports its waiting as {@code on}. */
    public Backoff.Waiter on(String on) {
        return new Backoff.Waiter() {
            @Override
            public void waiting(Throwable cause, int retry, Duration waited) {
                begin(
                        on,
                        String.valueOf(
                                cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage()));
            }

            @Override
            public void recovered(Duration waited) {
                end(on);
            }
        };
    }
}
