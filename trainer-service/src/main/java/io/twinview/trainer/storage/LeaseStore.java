package io.twinview.trainer.storage;

import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.errors.MinioException;
import io.twinview.core.checkpoint.ProtoJson;
import io.twinview.core.storage.StorageException;
import io.twinview.core.storage.StorageSettings;
import io.twinview.proto.v1.RunLease;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * {@code runs/<run-id>/lease.json} with conditional writes: a claim is a PUT with
 * {@code If-None-Match: *} (only when there is none), a renewal or takeover a PUT with
 * {@code If-Match: <ETag read>} (only when nobody wrote it since). AWS S3, MinIO and S3Proxy 4.1
 * (checked against its filesystem backend, which emulates them with a check before the write)
 * refuse a PUT whose condition fails with 412 PreconditionFailed. A store that answers 501
 * NotImplemented gets plain PUTs: {@code RunLease}'s read-back after a settle delay still lets the
 * last writer win.
 *
 * <p>Its own MinIO client: the lease keeps its own timing (a renewal is never retried past the
 * lease's life), unlike checkpoint writes, which wait storage outages out.
 */
public final class LeaseStore implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LeaseStore.class);
    private static final Set<String> CONFLICT = Set.of("PreconditionFailed", "NoSuchKey", "ConditionalRequestConflict");

    /** A lease as read, with the ETag a conditional write must name. */
    public record Versioned(RunLease lease, String etag) {}

    private final StorageSettings settings;
    private final MinioClient client;
    private final AtomicBoolean unconditional = new AtomicBoolean();

    public LeaseStore(StorageSettings settings) {
        this.settings = settings;
        this.client = MinioClient.builder()
                .endpoint(settings.endpoint())
                .credentials(settings.accessKey(), settings.secretKey())
                .region(settings.region())
                .build();
    }

    public static String key(String runId) {
        return "runs/" + runId + "/lease.json";
    }

    /** The run's lease, or empty when it never had one. */
    public Optional<Versioned> read(String runId) {
        String key = key(runId);
        return call("read", key, () -> {
            try (GetObjectResponse in = client.getObject(GetObjectArgs.builder()
                    .bucket(settings.bucket())
                    .object(key)
                    .build())) {
                byte[] json = in.readAllBytes();
                return Optional.of(new Versioned(
                        ProtoJson.parse(json, RunLease.newBuilder(), key).build(),
                        unquote(in.headers().get("ETag"))));
            } catch (ErrorResponseException e) {
                if (Set.of("NoSuchKey", "NoSuchObject")
                        .contains(e.errorResponse().code())) {
                    return Optional.empty();
                }
                throw e;
            }
        });
    }

    /** Writes the run's first lease; empty when one exists already (another trainer was first). */
    public Optional<String> create(RunLease lease) {
        return put(lease, Map.of("If-None-Match", "*"));
    }

    /** Replaces the lease read with {@code etag}; empty when it changed since (another trainer wrote it). */
    public Optional<String> replace(RunLease lease, String etag) {
        return put(lease, Map.of("If-Match", "\"" + etag + "\""));
    }

    private Optional<String> put(RunLease lease, Map<String, String> condition) {
        String key = key(lease.getRunId());
        byte[] json = ProtoJson.toJson(lease);
        return call("put", key, () -> {
            try {
                return Optional.of(unquote(client.putObject(PutObjectArgs.builder()
                                .bucket(settings.bucket())
                                .object(key)
                                .data(json, json.length)
                                .contentType("application/json")
                                .extraHeaders(unconditional.get() ? Map.of() : condition)
                                .build())
                        .etag()));
            } catch (ErrorResponseException e) {
                String code = e.errorResponse().code();
                if (CONFLICT.contains(code)) {
                    return Optional.empty();
                }
                if ("NotImplemented".equals(code) && unconditional.compareAndSet(false, true)) {
                    LOG.warnf(
                            "%s does not support conditional writes: leases use plain writes read back after a settle"
                                    + " delay (the last writer wins)",
                            settings.endpoint());
                    return put(lease, condition);
                }
                throw e;
            }
        });
    }

    private <T> T call(String operation, String key, Call<T> call) {
        try {
            return call.run();
        } catch (ErrorResponseException e) {
            throw new StorageException(
                    "lease " + operation + " s3://" + settings.bucket() + "/" + key + " at " + settings.endpoint()
                            + ": " + e.errorResponse().code() + " ("
                            + e.errorResponse().message() + ")",
                    e);
        } catch (MinioException | IOException | RuntimeException e) {
            throw new StorageException(
                    "lease " + operation + " s3://" + settings.bucket() + "/" + key + " at " + settings.endpoint()
                            + ": " + e,
                    e);
        }
    }

    private static String unquote(String etag) {
        if (etag == null) {
            return "";
        }
        return etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"")
                ? etag.substring(1, etag.length() - 1)
                : etag;
    }

    @Override
    public void close() {
        try {
            client.close();
        } catch (Exception e) {
            LOG.debugf(e, "closing the lease client of %s", settings.endpoint());
        }
    }

    @FunctionalInterface
    private interface Call<T> {
        T run() throws MinioException, IOException;
    }
}
