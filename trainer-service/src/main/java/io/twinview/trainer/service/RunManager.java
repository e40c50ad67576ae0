package io.twinview.trainer.service;

import com.google.protobuf.util.Timestamps;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.twinview.core.checkpoint.CheckpointStore;
import io.twinview.core.checkpoint.RunIds;
import io.twinview.core.config.DatasetsConfig;
import io.twinview.core.config.KafkaConfig;
import io.twinview.core.config.RetryConfig;
import io.twinview.core.config.StorageConfig;
import io.twinview.core.data.DatasetPolicy;
import io.twinview.core.kafka.KafkaClients;
import io.twinview.core.kafka.KafkaRetry;
import io.twinview.core.kafka.Topics;
import io.twinview.core.retry.Waits;
import io.twinview.core.storage.ObjectStore;
import io.twinview.proto.v1.Run;
import io.twinview.proto.v1.RunProgress;
import io.twinview.proto.v1.RunSpec;
import io.twinview.proto.v1.RunState;
import io.twinview.proto.v1.StartRunRequest;
import io.twinview.trainer.config.TrainerConfig;
import io.twinview.trainer.metrics.TrainerMetrics;
import io.twinview.trainer.run.InvalidRunSpecException;
import io.twinview.trainer.run.ResolvedRun;
import io.twinview.trainer.run.RetentionPolicy;
import io.twinview.trainer.run.RunLimits;
import io.twinview.trainer.run.RunSpecs;
import io.twinview.trainer.storage.LeaseStore;
import io.twinview.trainer.storage.RunRecords;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.jboss.logging.Logger;

/**
 * Starts, resumes and reports runs: owns the clients, the stores and the service's lifecycle, and
 * hands each run to the {@link RunTrainer}, which trains one run at a time.
 */
@ApplicationScoped
public class RunManager {

    /** The service's log: the training thread writes here too. */
    static final Logger LOG = Logger.getLogger(RunManager.class);

    @Inject
    TrainerConfig config;

    @Inject
    StorageConfig storageConfig;

    @Inject
    KafkaConfig kafkaConfig;

    @Inject
    DatasetsConfig datasetsConfig;

    @Inject
    RetryConfig retryConfig;

    @Inject
    MeterRegistry meterRegistry;

    private KafkaClients kafka;
    private ObjectStore objectStore;
    private RunRecords records;
    private KafkaProducer<byte[], byte[]> producer;
    private Admin admin;
    private RunTrainer trainer;
    private DatasetPolicy datasets;
    private RunLimits limits;
    private RetentionPolicy retention;
    private final Map<String, RunHandle> runs = new ConcurrentHashMap<>();
    private volatile RunHandle active;
    /** What this process's clients are waiting out (broker, storage, workers, a lease). */
    @Inject
    Waits waits;

    private LeaseStore leases;
    private RunOwnership.Identity identity;
    private RunOwnership.Settings leaseSettings;

    /**
     * Clients and topics, made when the bean is first used: the gRPC server accepts calls before
     * Quarkus fires StartupEvent, and an early call must find them ready.
     */
    @PostConstruct
    void init() {
        // the natives travel in the pytorch-native-cpu jar: DJL must never try to download any
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        if (config.threads() > 0) {
            System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(config.threads()));
        }
        datasets = datasetsConfig.policy(storageConfig.bucket());
        limits = config.limits().toRunLimits();
        retention = new RetentionPolicy(
                config.retention().keepLast(), config.retention().keepBest());
        objectStore = new ObjectStore(storageConfig.settings(), retryConfig.backoff(), waits);
        objectStore.ensureBucket();
        CheckpointStore checkpoints = new CheckpointStore(objectStore);
        records = new RunRecords(objectStore);
        leaseSettings = new RunOwnership.Settings(
                config.lease().ttl(),
                config.lease().renewInterval(),
                config.lease().settle());
        identity = RunOwnership.Identity.of(config.instanceId().orElse(""));
        leases = new LeaseStore(storageConfig.settings());
        LOG.infof(
                "trainer instance %s (process %s): run leases live %d s, renewed every %d s",
                identity.owner(),
                identity.incarnation(),
                leaseSettings.ttl().toSeconds(),
                leaseSettings.renewInterval().toSeconds());
        kafka = kafkaConfig.clients();
        producer = kafka.producer("trainer");
        admin = kafka.admin();
        KafkaRetry.call(retryConfig.backoff(), waits, "create the tasks and checkpoints topics", () -> {
            Topics.ensure(
                    admin,
                    Topics.tasksTopic(config.tasksTopic(), config.tasksPartitions()),
                    Topics.checkpointsTopic(config.checkpointsTopic()));
            return null;
        });
        trainer = new RunTrainer(
                config,
                kafka,
                producer,
                checkpoints,
                records,
                List.of(new TrainerMetrics(meterRegistry, waits)),
                waits,
                retryConfig.backoff());
    }

    void onStart(@Observes StartupEvent event) {
        if (config.resumeUnfinished()) {
            resumeUnfinished();
        }
    }

    /**
     * SIGTERM (preemption, a rolling update): the running run ends its step and checkpoints it, within
     * {@code shutdown-checkpoint-timeout}, while the clients it writes through are still open; only
     * then are they closed. Its record stays RUNNING: the next process resumes it from that step.
     */
    void onStop(@Observes ShutdownEvent event) {
        RunHandle current = active;
        boolean training = current != null && !current.finished();
        if (training) {
            LOG.infof(
                    "run %s: shutting down, checkpointing the current step (at most %d s)",
                    current.runId(), config.shutdownCheckpointTimeout().toSeconds());
            current.preempt();
        }
        if (trainer != null && !trainer.stop(config.shutdownCheckpointTimeout()) && training) {
            LOG.warnf(
                    "run %s: no checkpoint within %d s of shutdown; the next process resumes from step %d",
                    current.runId(),
                    config.shutdownCheckpointTimeout().toSeconds(),
                    current.run().getProgress().getLastCheckpointStep());
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(10));
        }
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
        if (objectStore != null) {
            objectStore.close();
        }
        if (leases != null) {
            leases.close();
        }
    }

    private void resumeUnfinished() {
        Optional<Run> newest = records.all().stream()
                .filter(run ->
                        run.getState() == RunState.RUN_STATE_RUNNING || run.getState() == RunState.RUN_STATE_PENDING)
                .max(Comparator.comparing(run -> Timestamps.toMillis(run.getCreatedAt())));
        newest.ifPresent(run -> {
            LOG.infof("run %s was left %s by an earlier trainer process: resuming it", run.getRunId(), run.getState());
            try {
                start(StartRunRequest.newBuilder().setRunId(run.getRunId()).build());
            } catch (InvalidRunSpecException e) {
                // a spec this trainer now refuses (roots, limits, a dataset gone): failed for good, not retried at
                // every start
                LOG.errorf("run %s cannot resume, marking it FAILED: %s", run.getRunId(), e.getMessage());
                markFailed(run, "cannot resume: " + e.getMessage());
            } catch (RuntimeException e) { // Kafka or S3 unreachable: the next start tries again
                LOG.errorf(e, "could not resume run %s", run.getRunId());
            }
        });
    }

    private void markFailed(Run run, String reason) {
        try {
            records.save(run.toBuilder()
                    .setState(RunState.RUN_STATE_FAILED)
                    .setError(reason)
                    .setProgress(run.getProgress().toBuilder()
                            .setState(RunState.RUN_STATE_FAILED)
                            .setMessage(reason))
                    .build());
        } catch (RuntimeException e) {
            LOG.errorf(e, "run %s: could not record it as FAILED", run.getRunId());
        }
    }

    /** The spec resolved; its threads, when unset, are this trainer's ({@link TrainerConfig#threads}). */
    private ResolvedRun resolve(RunSpec spec) {
        ResolvedRun resolved = RunSpecs.resolve(spec, storageConfig.settings(), datasets, limits, retention);
        if (resolved.spec().hasThreads()) {
            return resolved;
        }
        int threads = config.threads() > 0 ? config.threads() : io.twinview.trainer.train.Learner.engineThreads();
        return new ResolvedRun(
                resolved.spec().toBuilder().setThreads(threads).build(),
                resolved.datasetSize(),
                resolved.totalSteps(),
                resolved.note());
    }

    /**
     * Starts a new run, or resumes the run of that id from its newest complete checkpoint.
     *
     * @throws InvalidRunSpecException naming the field at fault
     * @throws TrainerBusyException when another run is training
     */
    public synchronized Run start(StartRunRequest request) {
        String runId = request.getRunId().isEmpty() ? RunIds.newId() : request.getRunId();
        if (!RunIds.isValid(runId)) {
            throw new InvalidRunSpecException("run_id", runId, RunIds.RULE);
        }
        RunHandle current = active;
        if (current != null && !current.finished()) {
            if (current.runId().equals(runId)) {
                return current.run();
            }
            if (current.ownership != null && !current.ownership.held()) {
                throw new TrainerBusyException("this trainer waits to train run " + current.runId() + " ("
                        + current.run().getProgress().getMessage() + "); it trains one run at a time");
            }
            throw new TrainerBusyException("this trainer is training run " + current.runId() + " (step "
                    + current.run().getProgress().getStep() + "/"
                    + current.run().getProgress().getTotalSteps()
                    + "); it trains one run at a time");
        }
        Optional<Run> stored = records.find(runId);
        ResolvedRun resolved;
        Run.Builder run;
        if (stored.isPresent()) {
            RunSpec storedSpec = stored.get().getSpec();
            if (request.hasSpec() && !request.getSpec().equals(RunSpec.getDefaultInstance())) {
                RunSpec requested = resolve(request.getSpec()).spec();
                if (!requested.equals(storedSpec)) {
                    throw new InvalidRunSpecException(
                            "run_id",
                            runId,
                            "a run of that id exists with a different spec; omit the spec to resume it, or choose a new run id");
                }
            }
            if (stored.get().getState() == RunState.RUN_STATE_SUCCEEDED) {
                runs.putIfAbsent(runId, new RunHandle(stored.get(), resolve(storedSpec)));
                return stored.get();
            }
            resolved = resolve(storedSpec);
            run = stored.get().toBuilder().clearError();
        } else {
            resolved = resolve(request.getSpec());
            run = Run.newBuilder()
                    .setRunId(runId)
                    .setSpec(resolved.spec())
                    .setCreatedAt(Timestamps.fromMillis(System.currentTimeMillis()));
        }
        String viewsTopic = Topics.viewsTopic(runId);
        KafkaRetry.call(retryConfig.backoff(), waits, "create topic " + viewsTopic, () -> {
            Topics.ensure(
                    admin,
                    Topics.viewsTopic(
                            runId,
                            config.viewsPartitions(),
                            config.viewsRetention().toMillis(),
                            config.viewsRetentionBytes()));
            return null;
        });
        // at most one trainer trains a run: a run another trainer holds is waited for on the training thread
        RunOwnership ownership = new RunOwnership(
                leases, runId, identity, leaseSettings, System::nanoTime, retryConfig.backoff(), waits);
        Optional<RunOwnership.Holder> holder = ownership.tryAcquire();
        run.setState(RunState.RUN_STATE_RUNNING)
                .setViewsTopic(viewsTopic)
                .setOwner(holder.map(RunOwnership.Holder::owner).orElse(identity.owner()))
                .setLeaseEpoch(ownership.epoch())
                .setProgress(RunProgress.newBuilder()
                        .setRunId(runId)
                        .setState(RunState.RUN_STATE_RUNNING)
                        .setTotalSteps(resolved.totalSteps())
                        .setTotalEpochs(resolved.spec().getEpochs())
                        .setMessage(holder.map(RunOwnership.Holder::describe).orElse(resolved.note()))
                        .setWaitingFor(holder.isPresent() ? Waits.LEASE : "")
                        .setLeaseOwner(holder.map(RunOwnership.Holder::owner).orElse(identity.owner()))
                        .setLeaseEpoch(ownership.epoch()));
        if (holder.isEmpty()) { // the holder's run.json is the holder's to write
            try {
                records.save(run.build());
            } catch (RuntimeException e) {
                ownership.release();
                throw e;
            }
        } else {
            LOG.warnf("%s", holder.get().describe());
        }
        RunHandle handle = new RunHandle(run.build(), resolved);
        handle.ownership = ownership;
        runs.put(runId, handle);
        active = handle;
        trainer.submit(handle, viewsTopic);
        LOG.infof(
                "run %s: %s on %s, %d steps of %d pairs%s",
                runId,
                resolved.spec().getMethod(),
                resolved.spec().getDatasetUri(),
                resolved.totalSteps(),
                resolved.spec().getBatchSize(),
                resolved.note().isEmpty() ? "" : " (" + resolved.note() + ")");
        return handle.run();
    }

    /** @throws UnknownRunException when neither this process nor storage knows the run */
    public Run get(String runId) {
        RunHandle handle = runs.get(runId);
        if (handle != null) {
            return handle.run();
        }
        return records.find(runId).orElseThrow(() -> new UnknownRunException(runId));
    }

    /** Runs of this process and of object storage, newest first. */
    public List<Run> list() {
        Map<String, Run> all = new LinkedHashMap<>();
        records.all().forEach(run -> all.put(run.getRunId(), run));
        runs.values().forEach(handle -> all.put(handle.runId(), handle.run()));
        List<Run> list = new ArrayList<>(all.values());
        list.sort(Comparator.comparing((Run run) -> Timestamps.toMillis(run.getCreatedAt()))
                .reversed());
        return list;
    }

    /**
     * Streams a run's progress to {@code watcher} until it ends; a run known only from storage
     * gets its stored state once.
     */
    public AutoCloseable watch(String runId, Consumer<RunProgress> watcher) {
        RunHandle handle = runs.get(runId);
        if (handle != null) {
            return handle.watch(watcher);
        }
        Run run = records.find(runId).orElseThrow(() -> new UnknownRunException(runId));
        watcher.accept(run.getProgress().toBuilder().setState(run.getState()).build());
        return () -> {};
    }
}
