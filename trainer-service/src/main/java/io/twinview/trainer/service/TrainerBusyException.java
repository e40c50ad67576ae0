package io.twinview.trainer.service;

/** The trainer trains one run at a time (PyTorch allows one gradient collector per process). */
public final class TrainerBusyException extends RuntimeException {

    public TrainerBusyException(String message) {
        super(message);
    }
}
