package io.twinview.eval.service;

import ai.djl.engine.Engine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.twinview.core.checkpoint.Checkpoint;
import io.twinview.core.checkpoint.CheckpointKeys;
import io.twinview.core.checkpoint.CheckpointStore;
import io.twinview.core.config.DatasetsConfig;
import io.twinview.core.config.RetryConfig;
import io.twinview.core.config.StorageConfig;
import io.twinview.core.data.DatasetPolicy;
import io.twinview.core.paging.Pages;
import io.twinview.core.retry.Waits;
import io.twinview.core.storage.ObjectStore;
import io.twinview.core.storage.StorageSettings;
import io.twinview.eval.config.EvalConfig;
import io.twinview.eval.probe.Evaluator;
import io.twinview.eval.storage.ReportStore;
import io.twinview.model.InitialWeights;
import io.twinview.proto.v1.EvalReport;
import io.twinview.proto.v1.EvaluateRequest;
import io.twinview.proto.v1.RunSpec;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Evaluates checkpoints and keeps their reports. Requests are resolved on the caller's thread
 * ({@link RequestResolver}: checkpoint step, labelled sets, k: everything the report id depends on),
 * answered from storage when that report exists, and otherwise evaluated on ONE evaluation thread
 * shared by gRPC and the checkpoint-event listener: probing is CPU-bound and one at a time is fastest.
 * The outcome becomes an EvalReport through {@link ReportMapper}.
 */
@ApplicationScoped
public class EvaluationService {

    private static final Logger LOG = Logger.getLogger(EvaluationService.class);
    private static final Set<String> ENCODER = Set.of("encoder");
    private static final int DEFAULT_IMAGE_SIZE = 32;

    @Inject
    EvalConfig config;

    @Inject
    StorageConfig storageConfig;

    @Inject
    DatasetsConfig datasetsConfig;

    @Inject
    MeterRegistry registry;

    @Inject
    RetryConfig retryConfig;

    /** What this service's clients are waiting out (storage): {@code twinview_waiting{on}}. */
    private final Waits waits = new Waits();

    private Timer reportTimer;
    private Counter failures;

    private ObjectStore objectStore;
    private CheckpointStore checkpoints;
    private ReportStore reports;
    private RequestResolver requests;
    /** Where evaluation sets and a run's initial weights may be read from ({@code twinview.datasets.*}). */
    private DatasetPolicy datasetPolicy;

    private ExecutorService executor;
    private final Evaluator evaluator = new Evaluator();

    /**
     * Clients and the evaluation thread, made when the bean is first used: the gRPC server accepts
     * calls before Quarkus fires StartupEvent, and an early call must find them ready.
     */
    @PostConstruct
    void init() {
        config.validate();
        reportTimer = Timer.builder("twinview.eval.report")
                .description("seconds per evaluated report: checkpoint read, both probes, report stored")
                .register(registry);
        failures = Counter.builder("twinview.eval.failures")
                .description("evaluations that ended with an error")
                .register(registry);
        // the natives travel in the pytorch-native-cpu jar: DJL must never try to download any
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        if (config.threads() > 0) {
            // read by the PyTorch engine when it loads, which happens on the first evaluation below
            System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(config.threads()));
        }
        StorageSettings storage = storageConfig.settings();
        for (String on : List.of(Waits.BROKER, Waits.STORAGE)) {
            Gauge.builder("twinview.waiting", waits, w -> w.waiting(on) ? 1 : 0)
                    .description("1 while the service waits out this dependency (retrying), else 0")
                    .tag("on", on)
                    .register(registry);
        }
        objectStore = new ObjectStore(storage, retryConfig.backoff(), waits);
        objectStore.ensureBucket();
        checkpoints = new CheckpointStore(objectStore);
        reports = new ReportStore(objectStore);
        datasetPolicy = datasetsConfig.policy(objectStore.bucket());
        requests = new RequestResolver(checkpoints, objectStore.bucket(), storage, config.knnK(), datasetPolicy);
        executor = Executors.newSingleThreadExecutor(runnable -> new Thread(runnable, "eval-probe"));
        executor.submit(() -> {
            try {
                Engine engine = Engine.getEngine("PyTorch");
                LOG.infof(
                        "probing with %s %s on the eval-probe thread (%s)",
                        engine.getEngineName(),
                        engine.getVersion(),
                        config.threads() > 0 ? config.threads() + " intra-op threads" : "PyTorch's default threads");
            } catch (RuntimeException | Error e) {
                LOG.error("the PyTorch engine did not load: evaluations will fail", e);
            }
        });
    }

    /** Starts the bean (and the engine warm-up) with the application rather than on the first call. */
    void onStart(@Observes @Priority(Interceptor.Priority.APPLICATION) StartupEvent event) {
        LOG.debugf("evaluation service ready (%s)", executor);
    }

    void onStop(@Observes @Priority(Interceptor.Priority.APPLICATION + 100) ShutdownEvent event) {
        shutdown();
    }

    /**
     * An evaluation service outside CDI (tests that own their stack): the same clients and
     * evaluation thread as the bean; {@link #shutdown()} stops them.
     */
    public static EvaluationService create(
            EvalConfig config,
            StorageConfig storage,
            DatasetsConfig datasets,
            RetryConfig retry,
            MeterRegistry registry) {
        EvaluationService service = new EvaluationService();
        service.config = config;
        service.retryConfig = retry;
        service.storageConfig = storage;
        service.datasetsConfig = datasets;
        service.registry = registry;
        service.init();
        return service;
    }

    /** What this process is waiting out: its storage client's retries, and the checkpoint listener's. */
    public Waits waits() {
        return waits;
    }

    /** The storage client checkpoints and reports are read with (the EmbedService shares it). */
    public ObjectStore objectStore() {
        return objectStore;
    }

    /** Stops the evaluation thread (interrupting a running evaluation) and closes the storage client. */
    public void shutdown() {
        if (executor != null) {
            executor.shutdownNow(); // evaluations check the interrupt flag between batches and iterations
            try {
                if (!executor.awaitTermination(60, TimeUnit.SECONDS)) {
                    LOG.warn("the evaluation thread did not stop within 60 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (objectStore != null) {
            objectStore.close();
        }
    }

    /**
     * Evaluates and returns the report, blocking until it is stored.
     *
     * @throws InvalidEvalRequestException naming the field at fault
     * @throws EvalNotFoundException       when the run or checkpoint does not exist
     */
    public EvalReport evaluate(EvaluateRequest request) {
        Future<EvalReport> future = submit(request);
        try {
            return future.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException("evaluation failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            future.cancel(false);
            throw new IllegalStateException("interrupted while waiting for the evaluation", e);
        }
    }

    /**
     * Resolves the request now (throwing for a bad one) and returns the stored report, or a future
     * of the evaluation queued on the evaluation thread. A stored failed report is evaluated again.
     */
    public Future<EvalReport> submit(EvaluateRequest request) {
        return submit(requests.resolve(request), 1);
    }

    /** Checks the request and finds its checkpoint and sets (reading storage): what names its report. */
    ResolvedRequest resolve(EvaluateRequest request) {
        return requests.resolve(request);
    }

    /**
     * The stored report with scores of a resolved request, or a future of its evaluation.
     *
     * @param attempt which try this is, stored in the report ({@code attempts})
     */
    Future<EvalReport> submit(ResolvedRequest resolved, int attempt) {
        Optional<EvalReport> stored = scored(resolved.id());
        if (stored.isPresent()) {
            LOG.debugf("report %s exists: not evaluating again", resolved.id());
            return CompletableFuture.completedFuture(stored.get());
        }
        return executor.submit(() -> measured(resolved, attempt));
    }

    /** Whether the checkpoint's manifest exists (it may be incomplete or corrupt); false once retention deleted it. */
    boolean checkpointExists(String runId, long step) {
        return objectStore.exists(CheckpointKeys.manifestKey(runId, step));
    }

    /** Stores a report (a failed one: {@link ReportMapper#failed}); returns its key. */
    String store(EvalReport report) {
        return reports.save(report);
    }

    /** k of an automatic evaluation ({@code twinview.eval.knn-k}). */
    int defaultK() {
        return config.knnK();
    }

    private Optional<EvalReport> scored(ReportId id) {
        return reports.find(id).filter(report -> !report.getFailed());
    }

    /**
     * The stored report if one was made while this request waited, else {@link #run} timed into
     * {@code twinview_eval_report_seconds}, or counted into {@code twinview_eval_failures_total} when
     * it fails.
     */
    private EvalReport measured(ResolvedRequest resolved, int attempt) {
        Optional<EvalReport> stored = scored(resolved.id());
        if (stored.isPresent()) {
            return stored.get(); // evaluated while this request waited
        }
        Timer.Sample sample = Timer.start(registry);
        try {
            EvalReport report = run(resolved, attempt);
            sample.stop(reportTimer);
            return report;
        } catch (RuntimeException | Error e) {
            failures.increment();
            throw e;
        }
    }

    /** @throws EvalNotFoundException when no report has that id */
    public EvalReport report(String reportId) {
        ReportId id = requests.reportId(reportId);
        return reports.find(id)
                .orElseThrow(() -> new EvalNotFoundException("no report " + reportId + " at s3://"
                        + objectStore.bucket() + "/" + ReportStore.key(id) + "; ListReports with run_id " + id.runId()
                        + " shows the run's reports"));
    }

    /** Reports of one run (every run when blank), newest first. */
    public List<EvalReport> reports(String runId) {
        if (runId == null || runId.isEmpty()) {
            return reports.list(null);
        }
        requests.checkRunExists(runId);
        return reports.list(runId);
    }

    /**
     * A page of the reports of one run (every run when empty), by run id, then step, then report id.
     *
     * @throws io.twinview.core.paging.InvalidPageException naming page_size or page_token
     */
    public Pages.Page<EvalReport> reports(String runId, int pageSize, String pageToken) {
        if (runId == null || runId.isEmpty()) {
            return reports.page(null, pageSize, pageToken);
        }
        requests.checkRunExists(runId);
        return reports.page(runId, pageSize, pageToken);
    }

    private EvalReport run(ResolvedRequest resolved, int attempt) {
        long start = System.nanoTime();
        ReportId id = resolved.id();
        Checkpoint checkpoint = checkpoints
                .read(id.runId(), id.step(), ENCODER)
                .orElseThrow(() -> new EvalNotFoundException(
                        "checkpoint " + resolved.manifestKey() + " is no longer complete or its"
                                + " encoder does not match its sha256 (see the service log); evaluate another step"));
        RunSpec spec = resolved.manifest().getSpec();
        int imageSize = spec.hasImageSize() ? spec.getImageSize() : DEFAULT_IMAGE_SIZE;
        Evaluator.Input input = new Evaluator.Input(
                resolved.encoder(),
                spec.getSeed(),
                imageSize,
                checkpoint.object("encoder"),
                resolved.train(),
                resolved.test(),
                resolved.k(),
                initialWeights(id, spec));
        rememberStoredBaseline(input, id);
        if (resolved.train().height() != imageSize || resolved.train().width() != imageSize) {
            LOG.infof(
                    "%s: the eval set's %dx%d images are resized to the run's %d px (shorter side, centre crop),"
                            + " as the EmbedService does",
                    id, resolved.train().width(), resolved.train().height(), imageSize);
        }
        LOG.infof(
                "evaluating %s (%s): %s encoder on %s -> %s, k %d",
                id,
                resolved.manifestKey(),
                resolved.encoder().key(),
                resolved.train().uri(),
                resolved.test().uri(),
                resolved.k());
        Evaluator.Outcome outcome;
        try {
            outcome = evaluator.evaluate(input);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(
                    "checkpoint " + resolved.manifestKey() + " cannot be probed: " + e.getMessage(), e);
        }
        EvalReport report =
                ReportMapper.toReport(resolved, outcome, (System.nanoTime() - start) / 1e9, System.currentTimeMillis())
                        .toBuilder()
                        .setAttempts(attempt)
                        .build();
        report.getWarningsList().forEach(warning -> LOG.warnf("report %s: %s", id, warning));
        String key = reports.save(report);
        LOG.infof(
                "report %s: k-NN top-1 %.4f (random init %.4f), linear top-1 %.4f (random init %.4f)%s in %.1f s -> %s",
                id,
                outcome.ssl().knnTop1(),
                outcome.randomInit().knnTop1(),
                outcome.ssl().linearTop1(),
                outcome.randomInit().linearTop1(),
                outcome.baselineCached() ? " (baseline cached)" : "",
                report.getWallSeconds(),
                key);
        return report;
    }

    /**
     * The weights the run's encoder started from, read with this service's storage settings and dataset
     * roots; null when the spec names none, or when they cannot be read any more (the baseline is then the
     * seeded encoder, and the report says so).
     */
    private InitialWeights initialWeights(ReportId id, RunSpec spec) {
        if (spec.getInitialWeights().isEmpty()) {
            return null;
        }
        try {
            return InitialWeights.read(spec.getInitialWeights(), storageConfig.settings(), datasetPolicy);
        } catch (IllegalArgumentException e) {
            LOG.warnf(
                    "%s: the run's initial_weights cannot be read (%s); the baseline is the seeded encoder",
                    id, e.getMessage());
            return null;
        }
    }

    /** Whether a stored report's random_init is this input's baseline: reports without a label had the seed's. */
    private static boolean sameBaseline(EvalReport report, Evaluator.Input input) {
        return report.getBaseline().isEmpty()
                ? input.initialWeights() == null
                : report.getBaseline().equals(input.baselineLabel());
    }

    /** Seeds the baseline cache from a stored report of the same run and request (e.g. after a restart). */
    private void rememberStoredBaseline(Evaluator.Input input, ReportId id) {
        if (evaluator.cachedBaseline(input.baselineKey()).isPresent()) {
            return;
        }
        try {
            for (EvalReport other : reports.sameRequest(id)) {
                if (other.hasRandomInit()
                        && sameBaseline(other, input)
                        && other.getEvalTrainUri().equals(input.train().uri())
                        && other.getEvalTestUri().equals(input.test().uri())
                        && other.getEncoder().equals(input.encoder().key())) {
                    evaluator.rememberBaseline(input.baselineKey(), ReportMapper.scores(other.getRandomInit()));
                    LOG.debugf("random-init baseline of %s taken from report %s", id, other.getReportId());
                    return;
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("could not look for a stored baseline of %s (computing it): %s", id, e.getMessage());
        }
    }
}
