package io.twinview.core.storage;

/**
 * An object storage operation failed. The message names the operation, the bucket and the key
 * ({@code "get s3://twinview/runs/a/manifest.json: ..."}) and the cause is the client's error.
 */
public class StorageException extends RuntimeException {

    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
