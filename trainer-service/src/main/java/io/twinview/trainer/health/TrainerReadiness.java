package io.twinview.trainer.health;

import io.twinview.core.config.KafkaConfig;
import io.twinview.core.config.StorageConfig;
import io.twinview.core.retry.Waits;
import io.twinview.core.storage.ObjectStore;
import io.twinview.core.storage.StorageSettings;
import io.twinview.trainer.config.TrainerConfig;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only when Kafka and S3 both answer ({@code /q/health/ready}); the data names each and
 * what failed. Liveness has no check of its own: a trainer that cannot reach its dependencies is
 * not ready, and restarting it would not bring them back.
 */
@Readiness
@ApplicationScoped
public class TrainerReadiness implements HealthCheck {

    static final String NAME = "trainer-dependencies";

    @Inject
    TrainerConfig config;

    @Inject
    StorageConfig storageConfig;

    @Inject
    KafkaConfig kafkaConfig;

    @Inject
    Waits waits;

    private Admin admin;
    private ObjectStore store;
    private Dependencies dependencies;

    @PostConstruct
    void init() {
        StorageSettings storage = storageConfig.settings();
        admin = kafkaConfig.clients().admin("trainer-readiness");
        store = new ObjectStore(storage);
        dependencies = new Dependencies(admin, store, storage.endpoint(), config.readinessTimeout());
    }

    @PreDestroy
    void close() {
        dependencies.close();
        admin.close(Duration.ofSeconds(2));
        store.close();
    }

    @Override
    public HealthCheckResponse call() {
        return response(dependencies.ask(), waits.oldest());
    }

    static HealthCheckResponse response(Dependencies.Answer answer) {
        return response(answer, Optional.empty());
    }

    /** With {@code waiting}: what the service's clients wait out now, as {@code waiting-for}. */
    static HealthCheckResponse response(Dependencies.Answer answer, Optional<Waits.Wait> waiting) {
        HealthCheckResponseBuilder response = HealthCheckResponse.named(NAME).status(answer.up());
        waiting.ifPresent(wait -> response.withData("waiting-for", wait.describe(Instant.now())));
        answer.details().forEach(response::withData);
        if (!answer.up()) {
            response.withData("failed", String.join(", ", answer.failed()));
        }
        return response.build();
    }
}
