package io.twinview.trainer.service;

/**
 * This trainer no longer holds the run's lease (another trainer took it over): it must stop training
 * the run and write nothing more of it, its run.json included, which is the new holder's now.
 */
public final class OwnershipLostException extends RuntimeException {

    public OwnershipLostException(String message) {
        super(message);
    }
}
