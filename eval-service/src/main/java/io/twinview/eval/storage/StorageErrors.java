package io.twinview.eval.storage;

import io.minio.errors.ErrorResponseException;
import io.minio.errors.ServerException;
import io.twinview.core.storage.ObjectNotFoundException;
import io.twinview.core.storage.StorageException;
import java.io.IOException;
import java.util.Set;

/**
 * Which object-storage failures an evaluation waits out: the endpoint unreachable (connection
 * refused or reset, a timeout: an IOException of the client) or answering with a server error
 * (HTTP 5xx, SlowDown). A missing object, bad credentials, a missing bucket or a refused request
 * are permanent: retrying cannot help.
 */
public final class StorageErrors {

    private static final Set<String> TRANSIENT_CODES =
            Set.of("InternalError", "ServiceUnavailable", "SlowDown", "RequestTimeout", "RequestTimeTooSkewed");

    private StorageErrors() {}

    /** Whether {@code error} or one of its causes is a storage failure that may go away by itself. */
    public static boolean isTransient(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof StorageException storage
                    && !(storage instanceof ObjectNotFoundException)
                    && clientErrorIsTransient(storage.getCause())) {
                return true;
            }
        }
        return false;
    }

    /** The client's error under a StorageException, however wrapped (MinIO wraps a refused connection). */
    private static boolean clientErrorIsTransient(Throwable clientError) {
        for (Throwable cause = clientError;
                cause != null;
                cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof IOException || cause instanceof ServerException) {
                return true; // not reachable, reset, timed out; or a 5xx without an S3 error document
            }
            if (cause instanceof ErrorResponseException response) {
                int status =
                        response.response() == null ? 0 : response.response().code();
                return status >= 500
                        || TRANSIENT_CODES.contains(response.errorResponse().code());
            }
        }
        return false;
    }
}
