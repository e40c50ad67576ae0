package io.twinview.core.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.twinview.core.retry.Backoff;
import java.time.Duration;

/**
 * How long a service waits out an unreachable broker or object storage ({@code twinview.retry.*}), one
 * block for trainer, eval and augment: every S3 call and the Kafka calls a run cannot do without
 * (publishing tasks and checkpoint events, committing a finished task, creating topics) retry a
 * transient failure (connection refused or reset, a timeout, a 5xx, S3's SlowDown) with capped
 * exponential backoff and jitter ({@link Backoff}) until {@link #giveUpAfter()} has passed since the
 * first failure. A permanent failure (bad credentials, a missing bucket, a refused ACL) is not retried.
 *
 * <p>Quarkus finds this mapping in core's jar because core is a bean archive ({@code META-INF/beans.xml}).
 */
@ConfigMapping(prefix = "twinview.retry")
public interface RetryConfig {

    /**
     * How long failures are waited out before the call fails (and with it a run): longer than a
     * broker or storage restart. {@code 0s} retries nothing. Default 10 min.
     */
    @WithDefault("10m")
    Duration giveUpAfter();

    /** The first retry's delay bound; each further retry doubles it, up to {@link #maxDelay()}. Default 200 ms. */
    @WithDefault("200ms")
    Duration initialDelay();

    /** The largest delay between two tries. Default 10 s. */
    @WithDefault("10s")
    Duration maxDelay();

    /**
     * The backoff these settings describe.
     *
     * @throws IllegalArgumentException naming the setting at fault, its value and what is allowed
     */
    default Backoff backoff() {
        return backoff(giveUpAfter(), initialDelay(), maxDelay());
    }

    /**
     * A backoff from the three settings' values, checked as {@link #backoff()} checks them (for
     * processes that read them without Quarkus).
     */
    static Backoff backoff(Duration giveUpAfter, Duration initialDelay, Duration maxDelay) {
        if (giveUpAfter.isNegative()) {
            throw new IllegalArgumentException(
                    "twinview.retry.give-up-after must be 0s or more, was " + giveUpAfter + " (0s retries nothing)");
        }
        if (initialDelay.isNegative() || initialDelay.isZero()) {
            throw new IllegalArgumentException(
                    "twinview.retry.initial-delay must be more than 0, was " + initialDelay + " (default 200ms)");
        }
        if (maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException(
                    "twinview.retry.max-delay must be at least twinview.retry.initial-delay (" + initialDelay
                            + "), was " + maxDelay);
        }
        return new Backoff(initialDelay, maxDelay, giveUpAfter);
    }
}
