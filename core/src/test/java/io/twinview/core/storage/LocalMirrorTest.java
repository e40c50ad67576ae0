package io.twinview.core.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.stack.LocalStack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LocalMirror and the ObjectStore calls it uses, against a real S3 endpoint (S3Proxy from {@link LocalStack#shared()}). */
class LocalMirrorTest {

    @TempDir
    Path tmp;

    private ObjectStore store;
    private Path cache;

    @BeforeEach
    void freshBucket() {
        LocalStack stack = LocalStack.shared();
        store = new ObjectStore(StorageSettings.of(
                stack.s3Endpoint(),
                stack.s3AccessKey(),
                stack.s3SecretKey(),
                "mirror-test-" + UUID.randomUUID().toString().substring(0, 8)));
        store.ensureBucket();
        cache = tmp.resolve("cache");
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void downloadStreamsToAFileAndStatGivesSizeAndMd5Etag() throws Exception {
        byte[] data = new byte[3_000_000];
        new java.util.Random(3).nextBytes(data);
        store.put("big/blob.bin", data, null);

        long written = store.download("big/blob.bin", tmp.resolve("out/blob.bin"));

        assertEquals(data.length, written);
        assertArrayEquals(
                data, Files.readAllBytes(tmp.resolve("out/blob.bin")), "the file holds the object byte for byte");
        ObjectVersion version = store.stat("big/blob.bin").orElseThrow();
        assertEquals(data.length, version.size());
        assertEquals(
                HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data)),
                version.etag(),
                "a single-part upload's ETag is the MD5 of its content, unquoted");
        assertEquals(List.of(version), store.listVersions("big/"), "listing gives the same size and ETag");
        assertEquals(Optional.empty(), store.stat("big/nothing"));
        assertThrows(ObjectNotFoundException.class, () -> store.download("big/nothing", tmp.resolve("x")));
    }

    @Test
    void theCacheIsReusedAndRefreshedWhenTheObjectChanges() throws IOException {
        store.put("m/a.bin", new byte[] {1, 2, 3}, null);
        store.put("m/sub/b.bin", new byte[] {4}, null);
        LocalMirror mirror = new LocalMirror(store, cache);

        LocalMirror.Result first = mirror.syncPrefix("m");
        assertEquals(2, first.downloaded(), "first sync downloads both objects");
        assertArrayEquals(new byte[] {4}, Files.readAllBytes(first.local().resolve("sub/b.bin")));

        LocalMirror.Result second = mirror.syncPrefix("m");
        assertEquals(0, second.downloaded(), "unchanged size and ETag: nothing downloaded again");
        assertEquals(2, second.reused());

        store.put("m/a.bin", new byte[] {9, 9, 9}, null);
        store.delete("m/sub/b.bin");
        LocalMirror.Result third = mirror.syncPrefix("m");
        assertEquals(1, third.downloaded(), "same size, new ETag: downloaded again");
        assertEquals(1, third.removed(), "the deleted object's copy is removed");
        assertArrayEquals(new byte[] {9, 9, 9}, Files.readAllBytes(third.local().resolve("a.bin")));
        try (Stream<Path> files = Files.walk(third.local())) {
            assertEquals(
                    List.of("a.bin"),
                    files.filter(Files::isRegularFile)
                            .map(p -> p.getFileName().toString())
                            .toList(),
                    "only the current object's file: no stale copy, no temporary file");
        }
    }

    @Test
    void aBoundedMirrorEvictsTheLeastRecentlyUsedDatasetButNeverOneInUse() throws Exception {
        for (String dataset : List.of("d1", "d2", "d3")) {
            store.put(dataset + "/part-0.bin", new byte[600], null);
            store.put(dataset + "/sub/part-1.bin", new byte[400], null);
        }
        LocalMirror mirror = new LocalMirror(store, cache, 2_500); // room for two 1000-byte datasets

        Path d1;
        try (LocalMirror.Result first = mirror.syncPrefix("d1")) { // used, then no longer
            d1 = first.local();
        }
        Thread.sleep(20); // distinct last-use times
        LocalMirror.Result second = mirror.syncPrefix("d2"); // held: in use
        Thread.sleep(20);
        LocalMirror.Result third = mirror.syncPrefix("d3");

        assertFalse(Files.exists(d1), "3000 bytes over a 2500 bound: the least recently used d1 is evicted whole");
        assertTrue(Files.isRegularFile(third.local().resolve("sub/part-1.bin")), "the dataset just synced stays");
        assertTrue(Files.isRegularFile(second.local().resolve("part-0.bin")), "d2 stays");

        third.close(); // d3 no longer in use; d2 still is
        Thread.sleep(20);
        LocalMirror.Result again = mirror.syncPrefix("d1");

        assertEquals(2, again.downloaded(), "the evicted dataset is downloaded again when used again");
        assertTrue(
                Files.isRegularFile(second.local().resolve("sub/part-1.bin")),
                "d2 is now the least recently used, but in use: never evicted");
        assertFalse(Files.exists(third.local()), "so the least recently used dataset not in use, d3, goes");
        assertTrue(Files.isRegularFile(again.local().resolve("part-0.bin")));
        assertEquals(
                0,
                mirror.syncPrefix("d2").downloaded(),
                "the dataset kept in use was never touched: nothing to download");
        second.close();
        again.close();
    }

    @Test
    void aNegativeBoundIsRefusedNamingTheValue() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new LocalMirror(store, cache, -1));
        assertTrue(e.getMessage().contains("-1") && e.getMessage().contains("0 (no bound)"), e.getMessage());
    }

    @Test
    void keysThatWouldEscapeTheCacheAreRefused() {
        LocalMirror mirror = new LocalMirror(store, cache);
        StorageException e = assertThrows(StorageException.class, () -> mirror.localPath("../../etc/passwd"));
        assertTrue(e.getMessage().contains("outside"), e.getMessage());
    }
}
