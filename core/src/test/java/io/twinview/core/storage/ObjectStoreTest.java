package io.twinview.core.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.stack.LocalStack;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Against a real S3 endpoint: S3Proxy over a temp folder, from {@link LocalStack#shared()}. */
class ObjectStoreTest {

    private ObjectStore store;

    @BeforeEach
    void openStoreOnAFreshBucket() {
        LocalStack stack = LocalStack.shared();
        store = new ObjectStore(StorageSettings.of(
                stack.s3Endpoint(),
                stack.s3AccessKey(),
                stack.s3SecretKey(),
                "store-test-" + UUID.randomUUID().toString().substring(0, 8)));
        store.ensureBucket();
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void binaryDataRoundTripsExactly() {
        byte[] data = new byte[256 * 3];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) i; // every byte value, zeros and 0xFF included
        }

        store.put("blobs/all-bytes.bin", data, "application/octet-stream");

        assertArrayEquals(data, store.get("blobs/all-bytes.bin"));
        assertTrue(store.exists("blobs/all-bytes.bin"));
    }

    @Test
    void aTwentyMegabyteObjectRoundTrips() {
        byte[] data = new byte[20_000_000];
        new Random(1).nextBytes(data);

        store.put("blobs/big.params", data, null);

        assertArrayEquals(data, store.get("blobs/big.params"), "a multipart-sized object reads back byte for byte");
        assertEquals(List.of(new ObjectInfo("blobs/big.params", data.length)), store.list("blobs/", true));
    }

    @Test
    void putReplacesAnExistingObject() {
        store.put("k", bytes("first"), "text/plain");
        store.put("k", bytes("second"), "text/plain");

        assertArrayEquals(bytes("second"), store.get("k"));
    }

    @Test
    void aMissingKeyIsNotFoundNamingBucketAndKey() {
        ObjectNotFoundException e =
                assertThrows(ObjectNotFoundException.class, () -> store.get("runs/nope/manifest.json"));

        assertTrue(
                e.getMessage().contains(store.bucket()) && e.getMessage().contains("runs/nope/manifest.json"),
                e.getMessage());
        assertEquals(Optional.empty(), store.find("runs/nope/manifest.json"));
        assertFalse(store.exists("runs/nope/manifest.json"));
    }

    @Test
    void listAndListPrefixesSeeNestedKeysWithoutFolderMarkers() {
        store.put("runs/a/checkpoints/0000000100/manifest.json", bytes("{}"), "application/json");
        store.put("runs/a/checkpoints/0000000100/encoder.params", new byte[10], null);
        store.put("runs/a/checkpoints/0000000200/manifest.json", bytes("{}"), "application/json");
        store.put("runs/a/checkpoints/0000000200/reports/r1.json", bytes("{}"), "application/json");
        store.put("runs/b/config.json", bytes("{}"), "application/json");
        store.put("runs/top.txt", bytes("t"), "text/plain");

        assertEquals(List.of("runs/a/", "runs/b/"), store.listPrefixes("runs/"));
        assertEquals(
                List.of("runs/a/checkpoints/0000000100/", "runs/a/checkpoints/0000000200/"),
                store.listPrefixes("runs/a/checkpoints/"));
        assertEquals(List.of(), store.listPrefixes("runs/a/checkpoints/0000000100/"));

        assertEquals(
                List.of(new ObjectInfo("runs/top.txt", 1)),
                store.list("runs/", false),
                "not recursive: this level only");
        assertEquals(
                List.of(
                        new ObjectInfo("runs/a/checkpoints/0000000200/manifest.json", 2),
                        new ObjectInfo("runs/a/checkpoints/0000000200/reports/r1.json", 2)),
                store.list("runs/a/checkpoints/0000000200/", true));
        assertEquals(
                6,
                store.list("runs/", true).size(),
                "recursive: every object, no folder markers: " + store.list("runs/", true));
        assertEquals(List.of(), store.list("nothing/", true));
    }

    @Test
    void deleteRemovesAnObjectAndIgnoresMissingOnes() {
        store.put("runs/c/checkpoints/0000000001/manifest.json", bytes("{}"), "application/json");

        store.delete("runs/c/checkpoints/0000000001/manifest.json");
        store.delete("runs/c/never-written");

        assertFalse(store.exists("runs/c/checkpoints/0000000001/manifest.json"));
        assertEquals(List.of(), store.list("runs/", true));
        assertEquals(List.of(), store.listPrefixes("runs/c/checkpoints/"), "no empty folder is left behind");
    }

    @Test
    void ensureBucketIsIdempotent() {
        store.ensureBucket();
        store.put("k", bytes("v"), "text/plain");
        store.ensureBucket();

        assertArrayEquals(bytes("v"), store.get("k"), "a second ensureBucket keeps the content");
    }

    @Test
    void failuresNameTheOperationBucketAndKey() {
        LocalStack stack = LocalStack.shared();
        String wrong = "wrong-secret-" + UUID.randomUUID();
        try (ObjectStore wrongSecret =
                new ObjectStore(StorageSettings.of(stack.s3Endpoint(), stack.s3AccessKey(), wrong, store.bucket()))) {
            StorageException e =
                    assertThrows(StorageException.class, () -> wrongSecret.put("runs/x", bytes("v"), null));

            assertTrue(e.getMessage().startsWith("put s3://" + store.bucket() + "/runs/x"), e.getMessage());
            StringWriter logged = new StringWriter();
            e.printStackTrace(new PrintWriter(logged)); // what a log line with the exception shows
            assertFalse(logged.toString().contains(wrong), "a refused request never shows its secret:\n" + logged);
            assertFalse(
                    logged.toString().contains(stack.s3AccessKey()),
                    "nor its access key (the MinIO client redacts the Authorization header):\n" + logged);
        }
        try (ObjectStore noBucket = new ObjectStore(StorageSettings.of(
                stack.s3Endpoint(),
                stack.s3AccessKey(),
                stack.s3SecretKey(),
                "no-such-bucket-" + UUID.randomUUID().toString().substring(0, 8)))) {
            StorageException e = assertThrows(StorageException.class, () -> noBucket.list("runs/", true));

            assertTrue(e.getMessage().contains("list s3://" + noBucket.bucket() + "/runs/"), e.getMessage());
        }
    }

    @Test
    void anUnreachableEndpointFailsWithAStorageException() {
        try (ObjectStore nowhere = new ObjectStore(StorageSettings.of("http://127.0.0.1:1", "k", "s", "bucket"))) {
            StorageException e = assertThrows(StorageException.class, () -> nowhere.exists("some/key"));

            assertTrue(e.getMessage().startsWith("exists s3://bucket/some/key at http://127.0.0.1:1"), e.getMessage());
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
