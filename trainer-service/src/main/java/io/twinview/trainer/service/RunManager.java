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
import io.twinview.core.paging.Pages;
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
import io.twinview.trainer.storage.RunQueue;
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
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.jboss.logging.Logger;

/**
 * Starts, queues, cancels, resumes and reports runs: owns the clients, the stores and the service's
 * lifecycle, and hands each run to the {@link RunTrainer}, which trains one run at a time. A run
 * started while this trainer is busy waits in the {@link RunQueue} that every replica shares; an idle
 * trainer claims the oldest queued run with the run's lease ({@link RunOwnership}), so exactly one
 * replica trains it. {@link QueuedRuns} is that queue as this trainer works it.
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
    private QueuedRuns queue;

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
        queue = new QueuedRuns(
                new RunQueue(objectStore), records, this::ownership, queueSide(), this, config.queuePollInterval());
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
                retryConfig.backoff(),
                storageConfig.settings(),
                datasets);
    }

    void onStart(@Observes StartupEvent event) {
        if (config.resumeUnfinished()) {
            resumeUnfinished();
        }
        queue.startPolling();
    }

    /** A new claim, for this trainer, on the run's lease. */
    private RunOwnership ownership(String runId) {
        return new RunOwnership(leases, runId, identity, leaseSettings, System::nanoTime, retryConfig.backoff(), waits);
    }

    /** What the queue sees of this trainer. */
    private QueuedRuns.Trainer queueSide() {
        return new QueuedRuns.Trainer() {
            @Override
            public RunHandle active() {
                return active;
            }

            @Override
            public RunHandle handle(String runId) {
                return runs.get(runId);
            }

            @Override
            public void launch(Run run, RunOwnership claim) {
                RunManager.this.launch(run.toBuilder().clearError(), resolve(run.getSpec()), claim, Optional.empty());
            }

            @Override
            public void markFailed(Run run, String reason) {
                RunManager.this.markFailed(run, reason);
            }
        };
    }

    /**
     * SIGTERM (preemption, a rolling update): the running run ends its step and checkpoints it, within
     * {@code shutdown-checkpoint-timeout}, while the clients it writes through are still open; only
     * then are they closed. Its record stays RUNNING: the next process resumes it from that step.
     */
    void onStop(@Observes ShutdownEvent event) {
        if (queue != null) {
            queue.stop();
        }
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
                .filter(run -> run.getState() == RunState.RUN_STATE_RUNNING) // PENDING ones wait in the queue
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
     * A stored run's spec resolved again without reading its initial weights: they were checked when it
     * was submitted, a run that resumes takes its weights from its checkpoint, and one that starts fresh
     * reads them when it starts (failing then, naming the file, if it is gone).
     */
    private ResolvedRun resolveStored(RunSpec stored) {
        if (stored.getInitialWeights().isEmpty()) {
            return resolve(stored);
        }
        ResolvedRun resolved = resolve(stored.toBuilder().clearInitialWeights().build());
        return new ResolvedRun(
                resolved.spec().toBuilder()
                        .setInitialWeights(stored.getInitialWeights())
                        .build(),
                resolved.datasetSize(),
                resolved.totalSteps(),
                resolved.note());
    }

    /**
     * Starts a new run, or resumes the run of that id from its newest complete checkpoint; queues it
     * (PENDING) while this trainer trains another run, or while older runs wait in the queue.
     *
     * @throws InvalidRunSpecException naming the field at fault
     * @throws TrainerBusyException when this trainer is busy and the run is RUNNING under another trainer
     */
    public synchronized Run start(StartRunRequest request) {
        String runId = request.getRunId().isEmpty() ? RunIds.newId() : request.getRunId();
        if (!RunIds.isValid(runId)) {
            throw new InvalidRunSpecException("run_id", runId, RunIds.RULE);
        }
        RunHandle current = active;
        boolean busy = current != null && !current.finished();
        if (busy && current.runId().equals(runId)) {
            return current.run();
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
                runs.putIfAbsent(runId, new RunHandle(stored.get(), resolveStored(storedSpec)));
                return stored.get();
            }
            if (stored.get().getState() == RunState.RUN_STATE_CANCELLED) {
                return stored.get(); // cancelled for good: a new run id trains again
            }
            if (stored.get().getState() == RunState.RUN_STATE_PENDING) {
                queue.dispatchSoon();
                return queue.withPosition(stored.get());
            }
            if (busy && stored.get().getState() == RunState.RUN_STATE_RUNNING) {
                throw new TrainerBusyException(
                        "run " + runId + " is RUNNING under " + stored.get().getOwner()
                                + ", and this trainer trains run " + current.runId()
                                + " (it trains one run at a time): ask an idle trainer to resume it");
            }
            resolved = resolveStored(storedSpec);
            run = stored.get().toBuilder().clearError();
        } else {
            resolved = resolve(request.getSpec());
            run = Run.newBuilder()
                    .setRunId(runId)
                    .setSpec(resolved.spec())
                    .setCreatedAt(Timestamps.fromMillis(System.currentTimeMillis()));
        }
        boolean resumingRunning = stored.isPresent() && stored.get().getState() == RunState.RUN_STATE_RUNNING;
        if (busy || (!resumingRunning && queue.anyWaiting())) { // older queued runs go first
            return queue.enqueue(run, resolved, busy ? Optional.of(current.runId()) : Optional.empty());
        }
        RunOwnership ownership = ownership(runId);
        return launch(run, resolved, ownership, ownership.tryAcquire());
    }

    /**
     * Trains the run on this trainer: creates its views topic, records it RUNNING (unless {@code holder}
     * holds it: then the training thread waits for the lease) and hands it to the training thread.
     */
    private Run launch(
            Run.Builder run, ResolvedRun resolved, RunOwnership ownership, Optional<RunOwnership.Holder> holder) {
        String runId = run.getRunId();
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
        trainer.submit(handle, viewsTopic, queue::dispatchSoon);
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

    /**
     * Cancels a run: one this trainer trains stops at its next step with a checkpoint and ends
     * CANCELLED; a queued run, or one no trainer holds, is CANCELLED at once; one another trainer
     * trains gets a cancel request that trainer acts on within {@code queue-poll-interval}.
     *
     * @return the run: CANCELLED, or still RUNNING with {@code cancel_requested} until it stops
     * @throws UnknownRunException when neither this process nor storage knows the run
     * @throws RunEndedException when the run already ended
     */
    public synchronized Run cancel(String runId) {
        RunHandle current = active;
        if (current != null && !current.finished() && current.runId().equals(runId)) {
            LOG.infof("run %s: cancel requested, stopping at the next step", runId);
            current.cancel();
            return current.run();
        }
        Run stored = records.find(runId)
                .or(() -> Optional.ofNullable(runs.get(runId)).map(RunHandle::run))
                .orElseThrow(() -> new UnknownRunException(runId));
        if (ended(stored.getState())) {
            throw new RunEndedException(runId, stored.getState());
        }
        return queue.cancel(stored);
    }

    /** Whether a run in {@code state} ended for good. */
    static boolean ended(RunState state) {
        return state == RunState.RUN_STATE_SUCCEEDED
                || state == RunState.RUN_STATE_FAILED
                || state == RunState.RUN_STATE_CANCELLED;
    }

    /** @throws UnknownRunException when neither this process nor storage knows the run */
    public Run get(String runId) {
        RunHandle handle = runs.get(runId);
        if (handle != null) {
            return handle.run();
        }
        return records.find(runId).orElseThrow(() -> new UnknownRunException(runId));
    }

    /**
     * A page of the runs of this process and of object storage in {@code states} (all when empty),
     * newest first: created_at descending, then run id ascending.
     *
     * @throws io.twinview.core.paging.InvalidPageException naming page_size or page_token
     */
    public Pages.Page<Run> list(int pageSize, String pageToken, List<RunState> states) {
        Pages.pageSize(pageSize); // refused before the listing is read
        String filter = states.stream().map(RunState::name).sorted().distinct().collect(Collectors.joining(","));
        List<Run> matching = list().stream()
                .filter(run -> states.isEmpty() || states.contains(run.getState()))
                .toList();
        return Pages.page(matching, pageSize, pageToken, filter, RunManager::listKey, Comparator.naturalOrder());
    }

    /** Sorts as the listing does: newest first (the created-at millis counted down), then run id. */
    private static String listKey(Run run) {
        return String.format("%013d", 9_999_999_999_999L - Timestamps.toMillis(run.getCreatedAt())) + "-"
                + run.getRunId();
    }

    /** Runs of this process and of object storage, newest first. */
    public List<Run> list() {
        Map<String, Run> all = new LinkedHashMap<>();
        records.all().forEach(run -> all.put(run.getRunId(), run));
        runs.values().forEach(handle -> all.put(handle.runId(), handle.run()));
        List<Run> list = new ArrayList<>(all.values());
        list.sort(Comparator.comparing(RunManager::listKey));
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
        if (run.getState() == RunState.RUN_STATE_PENDING) {
            return queue.watch(runId, watcher);
        }
        watcher.accept(run.getProgress().toBuilder().setState(run.getState()).build());
        return () -> {};
    }
}
