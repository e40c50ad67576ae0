package io.twinview.core.storage;

import io.minio.errors.ErrorResponseException;
import io.minio.errors.InsufficientDataException;
import io.minio.errors.ServerException;
import java.io.IOException;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLException;

/**
 * Which object storage failures are worth waiting out. Transient: the endpoint cannot be reached
 * (connection refused or reset, a timeout, a response cut short), a 5xx, 408 or 429, and S3's
 * {@code SlowDown}, {@code InternalError}, {@code ServiceUnavailable}, {@code RequestTimeout}.
 * Everything else is permanent: {@code AccessDenied}, {@code InvalidAccessKeyId},
 * {@code SignatureDoesNotMatch}, {@code NoSuchBucket} and the other 4xx, a TLS failure, a bad argument.
 */
public final class StorageErrors {

    private static final Set<String> TRANSIENT_CODES =
            Set.of("SlowDown", "InternalError", "ServiceUnavailable", "RequestTimeout", "RequestTimeTooSkewed");

    private StorageErrors() {}

    /** Whether {@code error} (a {@link StorageException} or a client error) may pass if the call is tried again. */
    public static boolean isTransient(Throwable error) {
        if (error instanceof ObjectNotFoundException) {
            return false;
        }
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof ErrorResponseException response) {
                return TRANSIENT_CODES.contains(response.errorResponse().code())
                        || transientStatus(
                                response.response() == null
                                        ? 0
                                        : response.response().code());
            }
            if (cause instanceof ServerException server) {
                return transientStatus(server.statusCode());
            }
            if (cause instanceof SSLException) {
                return false; // a certificate the client does not trust stays untrusted
            }
            if (cause instanceof IOException || cause instanceof InsufficientDataException) {
                return true;
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return false;
    }

    /** What an operator does about a permanent S3 error code, or empty for one without advice. */
    static Optional<String> advice(String code) {
        return Optional.ofNullable(
                switch (code) {
                    case "InvalidAccessKeyId" ->
                        "the endpoint knows no such access key: check twinview.storage.access-key";
                    case "SignatureDoesNotMatch" ->
                        "the secret key does not match the access key: check twinview.storage.secret-key";
                    case "AccessDenied" -> "these credentials may not do this: check the user's policy on the bucket";
                    case "NoSuchBucket" -> "the bucket does not exist: create it or check twinview.storage.bucket";
                    default -> null;
                });
    }

    private static boolean transientStatus(int status) {
        return status >= 500 || status == 408 || status == 429;
    }
}
