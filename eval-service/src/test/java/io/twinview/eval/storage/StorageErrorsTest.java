package io.twinview.eval.storage;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.core.storage.ObjectNotFoundException;
import io.twinview.core.storage.StorageException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.Test;

class StorageErrorsTest {

    @Test
    void anUnreachableEndpointIsTransientHoweverWrapped() {
        StorageException refused = new StorageException(
                "list s3://twinview/runs/", new IllegalStateException(new ConnectException("Connection refused")));
        assertTrue(StorageErrors.isTransient(refused), "MinIO wraps a refused connection: still waited out");
        assertTrue(
                StorageErrors.isTransient(new IllegalArgumentException("cannot read eval_train_uri", refused)),
                "a dataset read that failed on storage is waited out too");
        assertTrue(
                StorageErrors.isTransient(new StorageException("get", new SocketTimeoutException("read timed out"))),
                "a timeout is transient");
    }

    @Test
    void aMissingObjectOrARefusedRequestIsPermanent() {
        assertFalse(
                StorageErrors.isTransient(new ObjectNotFoundException("twinview", "runs/a/manifest.json")),
                "a missing object does not come back by waiting");
        assertFalse(
                StorageErrors.isTransient(new StorageException("put", new IllegalArgumentException("bad key"))),
                "a request the client refuses is permanent");
        assertFalse(
                StorageErrors.isTransient(new ConnectException("Connection refused")),
                "only storage calls are classified here (a bare network error elsewhere is not storage's)");
        assertFalse(StorageErrors.isTransient(new OutOfMemoryError("heap")), "running out of memory is no outage");
    }
}
