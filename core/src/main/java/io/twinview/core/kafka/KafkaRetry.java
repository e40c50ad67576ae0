package io.twinview.core.kafka;

import io.twinview.core.retry.Backoff;
import io.twinview.core.retry.Waits;
import java.time.Duration;

/**
 * Kafka calls that wait out a broker away longer than the clients' own timeouts: a call is run
 * again with a {@link Backoff} while its failure is transient ({@link KafkaErrors#isTransient}),
 * and the process says meanwhile that it waits for {@link Waits#BROKER}.
 */
public final class KafkaRetry {

    /** Try once. */
    public static final Backoff NO_RETRY = new Backoff(Duration.ofMillis(1), Duration.ofMillis(1), Duration.ZERO);

    private KafkaRetry() {}

    /**
     * Runs {@code call} until it succeeds, fails permanently, or {@code backoff} gives up.
     *
     * @param what what the call does, for the message of a give-up ("publish 8 task(s) to t")
     * @throws RuntimeException a permanent failure as it is; a give-up as an IllegalStateException
     *     saying what was being done, for how long, and the setting that bounds it
     */
    public static <T> T call(Backoff backoff, Waits waits, String what, Backoff.Attempt<T, RuntimeException> call) {
        long started = System.nanoTime();
        try {
            return backoff.call(call, KafkaErrors::isTransient, waits.on(Waits.BROKER));
        } catch (RuntimeException e) {
            if (!KafkaErrors.isTransient(e) || backoff.giveUpAfter().isZero()) {
                throw e;
            }
            throw new IllegalStateException(
                    what + ": the broker did not come back within "
                            + Duration.ofNanos(System.nanoTime() - started).toSeconds()
                            + " s (twinview.retry.give-up-after=" + backoff.giveUpAfter() + "): " + e.getMessage(),
                    e);
        }
    }
}
