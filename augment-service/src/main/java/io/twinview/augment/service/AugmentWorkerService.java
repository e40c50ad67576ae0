package io.twinview.augment.service;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.twinview.augment.config.AugmentConfig;
import io.twinview.augment.kafka.TaskWorker;
import io.twinview.augment.kafka.WorkerSettings;
import io.twinview.core.config.DatasetsConfig;
import io.twinview.core.config.KafkaConfig;
import io.twinview.core.config.StorageConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Optional;

/** Runs this process's {@link TaskWorker} from application start to shutdown. */
@ApplicationScoped
public class AugmentWorkerService {

    @Inject
    AugmentConfig config;

    @Inject
    StorageConfig storageConfig;

    @Inject
    KafkaConfig kafkaConfig;

    @Inject
    DatasetsConfig datasetsConfig;

    private volatile TaskWorker worker;

    void onStart(@Observes StartupEvent event) {
        worker = TaskWorker.start(settings(config, storageConfig, kafkaConfig)
                .withDatasets(datasetsConfig.policy(storageConfig.bucket())));
    }

    void onStop(@Observes ShutdownEvent event) {
        TaskWorker current = worker;
        if (current != null) {
            current.close();
        }
    }

    /** The running worker; empty before startup. */
    public Optional<TaskWorker> worker() {
        return Optional.ofNullable(worker);
    }

    /**
     * The worker's settings from configuration, defaults filled in.
     *
     * @throws IllegalArgumentException naming the key, the value and what is allowed
     */
    static WorkerSettings settings(AugmentConfig config, StorageConfig storage, KafkaConfig kafka) {
        if (config.threads() < 0) {
            throw new IllegalArgumentException(
                    "twinview.augment.threads must be 0 (one per available processor) or more, was "
                            + config.threads());
        }
        if (config.tasksPartitions() < 1) {
            throw new IllegalArgumentException(
                    "twinview.augment.tasks-partitions must be at least 1, was " + config.tasksPartitions());
        }
        if (config.tasksTopic().isBlank()) {
            throw new IllegalArgumentException("twinview.augment.tasks-topic must not be blank");
        }
        if (config.groupId().isBlank()) {
            throw new IllegalArgumentException("twinview.augment.group-id must not be blank");
        }
        if (config.retryBackoff().isNegative()) {
            throw new IllegalArgumentException(
                    "twinview.augment.retry-backoff must not be negative, was " + config.retryBackoff());
        }
        if (config.deadLetterTopic().isBlank()) {
            throw new IllegalArgumentException("twinview.augment.dead-letter-topic must not be blank");
        }
        if (config.sessionTimeout().compareTo(Duration.ofSeconds(1)) < 0
                || config.sessionTimeout().compareTo(Duration.ofMinutes(30)) > 0) {
            throw new IllegalArgumentException(
                    "twinview.augment.session-timeout must be 1s .. 30m (and within the broker's"
                            + " group.min/max.session.timeout.ms, 6s .. 30m by default), was "
                            + config.sessionTimeout());
        }
        if (kafka.bootstrapServers() == null || kafka.bootstrapServers().isBlank()) {
            throw new IllegalArgumentException("kafka.bootstrap.servers must name at least one broker");
        }
        int threads = config.threads() == 0 ? Runtime.getRuntime().availableProcessors() : config.threads();
        String workerId =
                config.workerId().map(String::trim).filter(id -> !id.isEmpty()).orElseGet(TaskWorker::defaultWorkerId);
        return new WorkerSettings(
                kafka.clients(),
                config.tasksTopic(),
                config.tasksPartitions(),
                config.groupId(),
                workerId,
                threads,
                config.retryBackoff(),
                config.deadLetterTopic(),
                config.sessionTimeout(),
                WorkerSettings.objectStorage(
                        storage.endpoint().orElse(null),
                        storage.accessKeyValue().orElse(null),
                        storage.secretKeyValue().orElse(null),
                        storage.bucket(),
                        storage.region()));
    }
}
