package io.twinview.core.storage;

import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.MinioException;
import io.minio.messages.Item;
import io.twinview.core.retry.Backoff;
import io.twinview.core.retry.Waits;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Byte objects in one bucket of an S3-compatible store (S3Proxy, MinIO, AWS), through the MinIO
 * client. Keys are plain strings with "/" as the folder separator ({@code runs/<id>/...}).
 *
 * <p>Every failure is a {@link StorageException} naming the operation, bucket and key; a missing
 * key on {@link #get(String)} is an {@link ObjectNotFoundException}. Thread-safe (the MinIO client
 * is). Close it to release the HTTP connection pool.
 *
 * <p>A store made with a {@link Backoff} retries every operation whose failure is transient
 * ({@link StorageErrors#isTransient}: storage unreachable, a 5xx, SlowDown...) until the backoff
 * gives up, and says meanwhile that its process is waiting for {@link Waits#STORAGE}; a permanent
 * failure (bad credentials, a missing bucket) fails at once. A store made without one tries once
 * (readiness checks, tools).
 */
public final class ObjectStore implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ObjectStore.class);

    private static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";
    private static final Set<String> MISSING_OBJECT = Set.of("NoSuchKey", "NoSuchObject");
    private static final Set<String> BUCKET_ALREADY_THERE = Set.of("BucketAlreadyOwnedByYou", "BucketAlreadyExists");

    /** Try once: {@link #ObjectStore(StorageSettings)}'s behaviour. */
    private static final Backoff NO_RETRY = new Backoff(Duration.ofMillis(1), Duration.ofMillis(1), Duration.ZERO);

    private final StorageSettings settings;
    private final MinioClient client;
    private final Backoff backoff;
    private final Backoff.Waiter waiter;

    /** A store that tries each operation once. */
    public ObjectStore(StorageSettings settings) {
        this(settings, NO_RETRY, new Waits());
    }

    /**
     * A store that waits out transient failures.
     *
     * @param backoff how long and how often to retry ({@code twinview.retry.*})
     * @param waits the process's waits: {@link Waits#STORAGE} while an operation is retried
     */
    public ObjectStore(StorageSettings settings, Backoff backoff, Waits waits) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.backoff = Objects.requireNonNull(backoff, "backoff");
        this.waiter = waits.on(Waits.STORAGE);
        this.client = MinioClient.builder()
                .endpoint(settings.endpoint())
                .credentials(settings.accessKey(), settings.secretKey())
                .region(settings.region())
                .build();
    }

    public String bucket() {
        return settings.bucket();
    }

    /** Creates the bucket unless it exists; safe to call from several services at once. */
    public void ensureBucket() {
        call("ensureBucket", "", () -> {
            if (client.bucketExists(BucketExistsArgs.builder().bucket(bucket()).build())) {
                return null;
            }
            try {
                client.makeBucket(MakeBucketArgs.builder().bucket(bucket()).build());
                LOG.infof("created bucket %s at %s", bucket(), settings.endpoint());
            } catch (ErrorResponseException e) {
                if (!BUCKET_ALREADY_THERE.contains(e.errorResponse().code())) {
                    throw e;
                }
            }
            return null;
        });
    }

    /** Whether the bucket exists: one request, for readiness checks (a failure to connect throws). */
    public boolean bucketExists() {
        return call(
                "bucketExists",
                "",
                () -> client.bucketExists(
                        BucketExistsArgs.builder().bucket(bucket()).build()));
    }

    /** Writes (or replaces) an object; {@code contentType} null means application/octet-stream. */
    public void put(String key, byte[] data, String contentType) {
        Objects.requireNonNull(data, "data");
        call(
                "put",
                key,
                () -> client.putObject(PutObjectArgs.builder()
                        .bucket(bucket())
                        .object(key)
                        .data(data, data.length)
                        .contentType(contentType == null ? DEFAULT_CONTENT_TYPE : contentType)
                        .build()));
        LOG.debugf("put %s (%d bytes)", uri(key), data.length);
    }

    /** @throws ObjectNotFoundException if there is no object under {@code key} */
    public byte[] get(String key) {
        return find(key).orElseThrow(() -> new ObjectNotFoundException(bucket(), key));
    }

    /** The object's bytes, or empty if there is no object under {@code key}. */
    public Optional<byte[]> find(String key) {
        return call("get", key, () -> {
            try (InputStream in = client.getObject(
                    GetObjectArgs.builder().bucket(bucket()).object(key).build())) {
                return Optional.of(in.readAllBytes());
            } catch (ErrorResponseException e) {
                if (MISSING_OBJECT.contains(e.errorResponse().code())) {
                    return Optional.empty();
                }
                throw e;
            }
        });
    }

    public boolean exists(String key) {
        return call("exists", key, () -> {
            try {
                client.statObject(
                        StatObjectArgs.builder().bucket(bucket()).object(key).build());
                return true;
            } catch (ErrorResponseException e) {
                if (MISSING_OBJECT.contains(e.errorResponse().code())) {
                    return false;
                }
                throw e;
            }
        });
    }

    /**
     * Objects whose key starts with {@code prefix}, in key order; with {@code recursive} false
     * only those not below a further "/" after the prefix. Folder markers (keys ending in "/", which S3Proxy's
     * filesystem backend lists for its directories) and sub-folders are left out.
     */
    public List<ObjectInfo> list(String prefix, boolean recursive) {
        return call("list", prefix, () -> {
            List<ObjectInfo> objects = new ArrayList<>();
            for (Item item : items(prefix, recursive)) {
                if (!item.isDir() && !item.objectName().endsWith("/")) {
                    objects.add(new ObjectInfo(item.objectName(), item.size()));
                }
            }
            return objects;
        });
    }

    /** Like {@link #list(String, boolean) list(prefix, true)}, with each object's ETag. */
    public List<ObjectVersion> listVersions(String prefix) {
        return call("list", prefix, () -> {
            List<ObjectVersion> objects = new ArrayList<>();
            for (Item item : items(prefix, true)) {
                if (!item.isDir() && !item.objectName().endsWith("/")) {
                    objects.add(new ObjectVersion(item.objectName(), item.size(), unquote(item.etag())));
                }
            }
            return objects;
        });
    }

    /** The object's size and ETag, or empty if there is no object under {@code key}. */
    public Optional<ObjectVersion> stat(String key) {
        return call("stat", key, () -> {
            try {
                var stat = client.statObject(
                        StatObjectArgs.builder().bucket(bucket()).object(key).build());
                return Optional.of(new ObjectVersion(key, stat.size(), unquote(stat.etag())));
            } catch (ErrorResponseException e) {
                if (MISSING_OBJECT.contains(e.errorResponse().code())) {
                    return Optional.empty();
                }
                throw e;
            }
        });
    }

    /**
     * Streams an object into {@code file} (parent folders created, an existing file replaced)
     * without holding it in memory; returns the bytes written. A failure may leave a partial file:
     * write to a temporary name and move it into place.
     *
     * @throws ObjectNotFoundException if there is no object under {@code key}
     */
    public long download(String key, java.nio.file.Path file) {
        return call("download", key, () -> {
            java.nio.file.Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                java.nio.file.Files.createDirectories(parent);
            }
            try (InputStream in = client.getObject(
                    GetObjectArgs.builder().bucket(bucket()).object(key).build())) {
                return java.nio.file.Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } catch (ErrorResponseException e) {
                if (MISSING_OBJECT.contains(e.errorResponse().code())) {
                    throw new ObjectNotFoundException(bucket(), key);
                }
                throw e;
            }
        });
    }

    private static String unquote(String etag) {
        if (etag == null) {
            return "";
        }
        return etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"")
                ? etag.substring(1, etag.length() - 1)
                : etag;
    }

    /**
     * The immediate "sub-folders" of {@code prefix} (delimiter "/"), as full prefixes ending in
     * "/", in key order: {@code listPrefixes("runs/a/checkpoints/")} gives
     * {@code runs/a/checkpoints/0000000100/, ...}.
     */
    public List<String> listPrefixes(String prefix) {
        return call("listPrefixes", prefix, () -> {
            List<String> prefixes = new ArrayList<>();
            for (Item item : items(prefix, false)) {
                if (item.isDir() && !item.objectName().equals(prefix)) {
                    prefixes.add(item.objectName());
                }
            }
            return prefixes;
        });
    }

    /** Removes an object; removing a key that does not exist is not an error (S3 semantics). */
    public void delete(String key) {
        call("delete", key, () -> {
            client.removeObject(
                    RemoveObjectArgs.builder().bucket(bucket()).object(key).build());
            return null;
        });
    }

    /**
     * Removes an object with one try, whatever the store's backoff: for best-effort clean-up after a
     * failure, which must not wait out the outage that caused it.
     */
    public void deleteOnce(String key) {
        if (key == null) {
            throw new StorageException("delete s3://" + bucket() + "/: the key must not be null");
        }
        once("delete", key, () -> {
            client.removeObject(
                    RemoveObjectArgs.builder().bucket(bucket()).object(key).build());
            return null;
        });
    }

    @Override
    public void close() {
        try {
            client.close();
        } catch (Exception e) {
            throw new StorageException(
                    "close client of " + settings.endpoint() + " (bucket " + bucket() + "): " + e.getMessage(), e);
        }
    }

    private List<Item> items(String prefix, boolean recursive) throws MinioException {
        List<Item> items = new ArrayList<>();
        for (Result<Item> result : client.listObjects(ListObjectsArgs.builder()
                .bucket(bucket())
                .prefix(prefix)
                .recursive(recursive)
                .build())) {
            items.add(result.get());
        }
        return items;
    }

    private String uri(String key) {
        return "s3://" + bucket() + "/" + key;
    }

    /**
     * Runs a client call, retrying transient failures with the store's backoff; any failure becomes a
     * StorageException naming operation, bucket and key, and for a permanent one what to check.
     */
    private <T> T call(String operation, String key, ClientCall<T> call) {
        if (key == null) {
            throw new StorageException(operation + " s3://" + bucket() + "/: the key must not be null");
        }
        long started = System.nanoTime();
        try {
            return backoff.call(() -> once(operation, key, call), StorageErrors::isTransient, waiter);
        } catch (StorageException e) {
            if (!StorageErrors.isTransient(e) || backoff.giveUpAfter().isZero()) {
                throw e;
            }
            Duration waited = Duration.ofNanos(System.nanoTime() - started);
            throw new StorageException(
                    e.getMessage() + "; gave up after " + waited.toSeconds() + " s of retries"
                            + " (twinview.retry.give-up-after=" + backoff.giveUpAfter() + ")",
                    e.getCause());
        }
    }

    private <T> T once(String operation, String key, ClientCall<T> call) {
        try {
            return call.run();
        } catch (StorageException e) {
            throw e;
        } catch (ErrorResponseException e) {
            String code = e.errorResponse().code();
            throw new StorageException(
                    operation + " " + uri(key) + " at " + settings.endpoint() + ": "
                            + code + " ("
                            + e.errorResponse().message() + ")"
                            + StorageErrors.advice(code)
                                    .map(advice -> ": " + advice)
                                    .orElse(""),
                    e);
        } catch (MinioException | IOException | RuntimeException e) {
            throw new StorageException(operation + " " + uri(key) + " at " + settings.endpoint() + ": " + e, e);
        }
    }

    @FunctionalInterface
    private interface ClientCall<T> {
        T run() throws MinioException, IOException;
    }
}
