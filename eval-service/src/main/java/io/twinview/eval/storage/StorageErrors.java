package io.twinview.eval.storage;

import io.twinview.core.storage.StorageException;

/**
 * Which failures of an evaluation are storage outages it waits out: a {@link StorageException}
 * somewhere in the chain (an evaluation wraps them, e.g. "cannot read eval_train_uri") that core's
 * {@link io.twinview.core.storage.StorageErrors} calls transient. An error that did not come from
 * object storage (a bare connection error of another client, out of memory) is not one.
 */
public final class StorageErrors {

    private StorageErrors() {}

    /** Whether {@code error} or one of its causes is a storage failure that may go away by itself. */
    public static boolean isTransient(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof StorageException storage) {
                return io.twinview.core.storage.StorageErrors.isTransient(storage);
            }
        }
        return false;
    }
}
