package io.twinview.core.retry;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * Capped exponential backoff with jitter, for calls to a broker or object storage that may be away
 * for minutes (a restart, a network partition): retry {@code n} waits a uniform draw in
 * {@code [d/2, d]} with {@code d = min(max, initial x 2^(n-1))}, until {@code giveUpAfter} has
 * passed since the first failure. Only errors the caller calls transient are retried; a permanent
 * one (bad credentials, a missing bucket) is thrown at once.
 *
 * @param initial the first retry's delay bound
 * @param max the largest delay bound
 * @param giveUpAfter how long failures are waited out before the last one is thrown
 */
public record Backoff(Duration initial, Duration max, Duration giveUpAfter) {

    /** 200 ms doubling to 10 s, for 10 minutes: a broker or storage restart is waited out, not fatal. */
    public static final Backoff DEFAULT =
            new Backoff(Duration.ofMillis(200), Duration.ofSeconds(10), Duration.ofMinutes(10));

    public Backoff {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        Objects.requireNonNull(giveUpAfter, "giveUpAfter");
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0 || giveUpAfter.isNegative()) {
            throw new IllegalArgumentException("backoff needs 0 < initial <= max and giveUpAfter >= 0, got initial "
                    + initial + ", max " + max + ", giveUpAfter " + giveUpAfter);
        }
    }

    /** A call that may fail. */
    @FunctionalInterface
    public interface Attempt<T, E extends Exception> {
        T run() throws E;
    }

    /** The bound of retry {@code retry}'s delay (1 for the first retry), before jitter. */
    public Duration bound(int retry) {
        int doublings = Math.min(Math.max(retry - 1, 0), 30);
        long nanos = initial.toNanos() << doublings;
        return nanos <= 0 || nanos > max.toNanos() ? max : Duration.ofNanos(nanos);
    }

    /** Retry {@code retry}'s delay: uniform in {@code [bound/2, bound]}. */
    public Duration delay(int retry) {
        long bound = bound(retry).toNanos();
        return Duration.ofNanos(bound / 2 + ThreadLocalRandom.current().nextLong(bound / 2 + 1));
    }

    /**
     * Runs {@code attempt} until it succeeds, an error is not transient, or {@code giveUpAfter} has
     * passed since the first failure; tells {@code waiter} while it waits and when it recovers.
     *
     * @throws E the permanent error, or the last transient one when the time is up (or the thread is
     *     interrupted while waiting, whose flag stays set)
     */
    public <T, E extends Exception> T call(Attempt<T, E> attempt, Predicate<Throwable> isTransient, Waiter waiter)
            throws E {
        long firstFailure = 0;
        int retry = 0;
        while (true) {
            try {
                T result = attempt.run();
                if (retry > 0) {
                    waiter.recovered(Duration.ofNanos(System.nanoTime() - firstFailure));
                }
                return result;
            } catch (Exception e) {
                if (!isTransient.test(e)) {
                    if (retry > 0) {
                        waiter.recovered(Duration.ofNanos(System.nanoTime() - firstFailure));
                    }
                    throw e;
                }
                long now = System.nanoTime();
                if (retry == 0) {
                    firstFailure = now;
                }
                Duration waited = Duration.ofNanos(now - firstFailure);
                if (waited.compareTo(giveUpAfter) >= 0) {
                    waiter.recovered(waited); // not waiting any more: the caller fails
                    throw e;
                }
                retry++;
                waiter.waiting(e, retry, waited);
                try {
                    Thread.sleep(delay(retry).toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    waiter.recovered(waited);
                    throw e;
                }
            }
        }
    }

    /** Hears about a call's waiting. */
    public interface Waiter {

        /** Nobody listens. */
        Waiter NONE = new Waiter() {
            @Override
            public void waiting(Throwable cause, int retry, Duration waited) {}

            @Override
            public void recovered(Duration waited) {}
        };

        /** The call failed transiently and is retried; it has been failing for {@code waited}. */
        void waiting(Throwable cause, int retry, Duration waited);

        /** The call succeeded (or stopped retrying) after waiting. */
        void recovered(Duration waited);
    }
}
