package io.twinview.core.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.core.retry.Backoff;
import io.twinview.core.retry.Waits;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

/** Which Kafka errors are waited out, and what a give-up says. (Outages against a real broker: the trainer's sink tests.) */
class KafkaRetryTest {

    private static final Backoff QUICK =
            new Backoff(Duration.ofMillis(5), Duration.ofMillis(20), Duration.ofSeconds(30));

    @Test
    void timeoutsAndLostConnectionsAreTransientRefusalsAreNot() {
        assertTrue(KafkaErrors.isTransient(new TimeoutException("Expiring 3 record(s)")), "a delivery timeout");
        assertTrue(
                KafkaErrors.isTransient(new IllegalStateException("x", new ExecutionException(new NetworkException()))),
                "a lost connection, however wrapped");
        assertTrue(KafkaErrors.isTransient(new java.util.concurrent.TimeoutException()), "a future's timeout");
        assertFalse(KafkaErrors.isTransient(new SaslAuthenticationException("bad password")), "a refused login");
        assertFalse(
                KafkaErrors.isTransient(new java.util.concurrent.ExecutionException(
                        new TopicAuthorizationException(java.util.Set.of("t")))),
                "a refused ACL");
        assertFalse(KafkaErrors.isTransient(new IllegalArgumentException("bad")), "anything else");
    }

    @Test
    void aTransientFailureIsRetriedAndReportedAsWaitingForTheBroker() {
        Waits waits = new Waits();
        AtomicInteger tries = new AtomicInteger();
        AtomicInteger seenWaiting = new AtomicInteger();

        String result = KafkaRetry.call(QUICK, waits, "send", () -> {
            if (waits.waiting(Waits.BROKER)) {
                seenWaiting.incrementAndGet();
            }
            if (tries.incrementAndGet() < 3) {
                throw new TimeoutException("broker away");
            }
            return "sent";
        });

        assertEquals("sent", result, "the third try succeeds");
        assertEquals(2, seenWaiting.get(), "the retries ran while the process said it waits for the broker");
        assertFalse(waits.waiting(Waits.BROKER), "and the wait ended with the success");
    }

    @Test
    void aPermanentFailureIsThrownAtOnceAndAGiveUpNamesTheSetting() {
        AtomicInteger tries = new AtomicInteger();
        SaslAuthenticationException refused = assertThrows(
                SaslAuthenticationException.class,
                () -> KafkaRetry.call(QUICK, new Waits(), "send", () -> {
                    tries.incrementAndGet();
                    throw new SaslAuthenticationException("bad password");
                }));
        assertEquals(1, tries.get(), "a refused login is not retried: " + refused);

        Backoff brief = new Backoff(Duration.ofMillis(5), Duration.ofMillis(20), Duration.ofMillis(200));
        IllegalStateException gaveUp = assertThrows(
                IllegalStateException.class,
                () -> KafkaRetry.call(brief, new Waits(), "publish", () -> {
                    throw new TimeoutException("broker away");
                }));
        assertTrue(
                gaveUp.getMessage().startsWith("publish: the broker did not come back within")
                        && gaveUp.getMessage().contains("twinview.retry.give-up-after"),
                gaveUp.getMessage());
    }
}
