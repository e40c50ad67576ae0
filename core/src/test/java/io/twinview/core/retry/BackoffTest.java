package io.twinview.core.retry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private static final Backoff FAST = new Backoff(Duration.ofMillis(1), Duration.ofMillis(8), Duration.ofSeconds(5));

    @Test
    void boundsDoubleUpToTheCapAndDelaysStayInTheUpperHalf() {
        assertEquals(Duration.ofMillis(1), FAST.bound(1));
        assertEquals(Duration.ofMillis(2), FAST.bound(2));
        assertEquals(Duration.ofMillis(8), FAST.bound(4));
        assertEquals(Duration.ofMillis(8), FAST.bound(400), "the bound never passes max, even after many retries");
        for (int retry = 1; retry < 50; retry++) {
            Duration delay = FAST.delay(retry);
            assertTrue(
                    delay.compareTo(FAST.bound(retry).dividedBy(2)) >= 0 && delay.compareTo(FAST.bound(retry)) <= 0,
                    "retry " + retry + "'s delay " + delay + " is within [bound/2, bound]");
        }
    }

    @Test
    void transientErrorsAreRetriedAndTheWaitIsReported() throws IOException {
        Waits waits = new Waits();
        AtomicInteger calls = new AtomicInteger();
        String result = FAST.call(
                () -> {
                    if (calls.incrementAndGet() < 4) {
                        assertTrue(
                                calls.get() == 1 || waits.waiting(Waits.STORAGE),
                                "storage is waited for between tries");
                        throw new IOException("connection refused");
                    }
                    return "ok";
                },
                e -> e instanceof IOException,
                waits.on(Waits.STORAGE));
        assertEquals("ok", result);
        assertEquals(4, calls.get(), "three failures, then success");
        assertFalse(waits.waiting(Waits.STORAGE), "the wait ends when the call succeeds");
    }

    @Test
    void aPermanentErrorIsThrownAtOnce() {
        AtomicInteger calls = new AtomicInteger();
        IllegalStateException permanent = new IllegalStateException("access denied");
        IllegalStateException thrown = assertThrows(
                IllegalStateException.class,
                () -> FAST.call(
                        () -> {
                            calls.incrementAndGet();
                            throw permanent;
                        },
                        e -> e instanceof IOException,
                        Backoff.Waiter.NONE));
        assertSame(permanent, thrown);
        assertEquals(1, calls.get(), "a permanent error is not retried");
    }

    @Test
    void theLastTransientErrorIsThrownWhenTheTimeIsUp() {
        Backoff brief = new Backoff(Duration.ofMillis(1), Duration.ofMillis(4), Duration.ofMillis(50));
        Waits waits = new Waits();
        AtomicInteger calls = new AtomicInteger();
        IOException thrown = assertThrows(
                IOException.class,
                () -> brief.call(
                        () -> {
                            throw new IOException("try " + calls.incrementAndGet());
                        },
                        e -> true,
                        waits.on(Waits.BROKER)));
        assertTrue(calls.get() > 2, "it retried before giving up, " + calls.get() + " tries");
        assertEquals("try " + calls.get(), thrown.getMessage(), "the last error is the one thrown");
        assertFalse(waits.waiting(Waits.BROKER), "giving up ends the wait");
    }
}
