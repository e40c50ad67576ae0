package io.twinview.trainer.service;

/** No run of that id in this trainer or in object storage. */
public final class UnknownRunException extends RuntimeException {

    public UnknownRunException(String runId) {
        super("no run '" + runId + "' in this trainer or in object storage");
    }
}
