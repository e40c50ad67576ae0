package io.twinview.core.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.core.retry.Backoff;
import io.twinview.core.retry.Waits;
import io.twinview.stack.LocalStack;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Storage outages are waited out and permanent errors are not: against a real S3Proxy that the test
 * stops and starts again on the same port and data.
 */
class ObjectStoreOutageTest {

    /** Minutes in production; a minute here, so a wrongly retried permanent error shows as a slow test. */
    private static final Backoff PATIENT =
            new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofMinutes(1));

    @Test
    void operationsDuringAStorageOutageCompleteAfterItAndReportTheWait(@TempDir Path tmp) throws Exception {
        try (LocalStack stack = LocalStack.start(LocalStack.Options.in(tmp))) {
            Waits waits = new Waits();
            try (ObjectStore store = new ObjectStore(settings(stack, "outage"), PATIENT, waits)) {
                store.ensureBucket();
                store.put("before", bytes("written before"), null);

                stack.stopStorage(false);
                CompletableFuture<Void> put = CompletableFuture.runAsync(() -> store.put("during", bytes("v"), null));
                CompletableFuture<byte[]> get = CompletableFuture.supplyAsync(() -> store.get("before"));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!waits.waiting(Waits.STORAGE) && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertTrue(waits.waiting(Waits.STORAGE), "the process says it is waiting for storage");
                Thread.sleep(6_000); // several retries (1 s apart at most) meet the outage
                assertFalse(put.isDone(), "a put is retried while storage is down, not failed: " + put);
                assertFalse(get.isDone(), "so is a get: " + get);
                assertTrue(
                        waits.oldest()
                                .orElseThrow()
                                .describe(java.time.Instant.now())
                                .startsWith("waiting for storage"),
                        "the wait is described for progress messages");

                stack.startStorage();
                put.get(30, TimeUnit.SECONDS);
                assertArrayEquals(bytes("written before"), get.get(30, TimeUnit.SECONDS), "the get reads the object");
                assertArrayEquals(bytes("v"), store.get("during"), "the put's object is stored");
                assertFalse(waits.waiting(Waits.STORAGE), "storage is no longer waited for once calls succeed");
            }
        }
    }

    @Test
    void badCredentialsFailAtOnceNamingTheCause() {
        LocalStack stack = LocalStack.shared();
        String bucket = "creds-" + UUID.randomUUID().toString().substring(0, 8);
        try (ObjectStore good = new ObjectStore(settings(stack, bucket))) {
            good.ensureBucket();
        }
        StorageSettings wrongSecret =
                StorageSettings.of(stack.s3Endpoint(), stack.s3AccessKey(), "wrong-" + UUID.randomUUID(), bucket);
        StorageSettings wrongKey = StorageSettings.of(stack.s3Endpoint(), "nobody", stack.s3SecretKey(), bucket);
        for (StorageSettings wrong : new StorageSettings[] {wrongSecret, wrongKey}) {
            Waits waits = new Waits();
            try (ObjectStore store = new ObjectStore(wrong, PATIENT, waits)) {
                long started = System.nanoTime();
                StorageException e = assertThrows(StorageException.class, () -> store.put("k", bytes("v"), null));

                assertTrue(
                        Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofSeconds(5)) < 0,
                        "a refused login is permanent: not retried for the backoff's minute");
                assertTrue(
                        e.getMessage().contains("SignatureDoesNotMatch")
                                || e.getMessage().contains("InvalidAccessKeyId")
                                || e.getMessage().contains("AccessDenied"),
                        "the message names S3's reason: " + e.getMessage());
                assertTrue(e.getMessage().contains("check "), "and what to check: " + e.getMessage());
                assertFalse(StorageErrors.isTransient(e), "classified permanent");
                assertFalse(waits.waiting(Waits.STORAGE), "nothing is waited for");
            }
        }
    }

    @Test
    void aMissingBucketFailsAtOnceNamingIt() {
        LocalStack stack = LocalStack.shared();
        try (ObjectStore store = new ObjectStore(
                settings(stack, "missing-" + UUID.randomUUID().toString().substring(0, 8)), PATIENT, new Waits())) {
            long started = System.nanoTime();
            StorageException e = assertThrows(StorageException.class, () -> store.put("k", bytes("v"), null));

            assertTrue(
                    Duration.ofNanos(System.nanoTime() - started).compareTo(Duration.ofSeconds(5)) < 0,
                    "a missing bucket is permanent: not retried");
            assertTrue(e.getMessage().contains("NoSuchBucket"), "the message names the reason: " + e.getMessage());
            assertTrue(e.getMessage().contains(store.bucket()), "and the bucket: " + e.getMessage());
        }
    }

    @Test
    void aStoreThatGivesUpSaysHowLongItTried() {
        Backoff brief = new Backoff(Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofSeconds(1));
        Waits waits = new Waits();
        try (ObjectStore nowhere =
                new ObjectStore(StorageSettings.of("http://127.0.0.1:1", "k", "s", "bucket"), brief, waits)) {
            StorageException e = assertThrows(StorageException.class, () -> nowhere.exists("some/key"));

            assertTrue(e.getMessage().startsWith("exists s3://bucket/some/key at http://127.0.0.1:1"), e.getMessage());
            assertTrue(
                    e.getMessage().contains("gave up after") && e.getMessage().contains("twinview.retry.give-up-after"),
                    "a give-up names the setting that bounds it: " + e.getMessage());
            assertTrue(StorageErrors.isTransient(e), "connection refused is transient");
            assertFalse(waits.waiting(Waits.STORAGE), "a store that gave up no longer waits");
        }
    }

    private static StorageSettings settings(LocalStack stack, String bucket) {
        return StorageSettings.of(stack.s3Endpoint(), stack.s3AccessKey(), stack.s3SecretKey(), bucket);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
