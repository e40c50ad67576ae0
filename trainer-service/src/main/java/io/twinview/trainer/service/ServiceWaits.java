package io.twinview.trainer.service;

import io.twinview.core.retry.Waits;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The service's one {@link Waits}: the run manager's clients write it; progress, metrics and
 * readiness read it. A bean of its own, so that readiness reads it without waiting for the run
 * manager's clients to connect.
 */
@Singleton
public class ServiceWaits {

    @Produces
    @Singleton
    Waits waits() {
        return new Waits();
    }
}
