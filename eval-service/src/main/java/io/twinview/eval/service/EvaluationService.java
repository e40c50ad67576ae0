package io.twinview.eval.service;

import ai.djl.engine.Engine;
import com.google.protobuf.util.Timestamps;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.twinview.core.checkpoint.Checkpoint;
import io.twinview.core.checkpoint.CheckpointKeys;
import io.twinview.core.checkpoint.CheckpointMetrics;
import io.twinview.core.checkpoint.CheckpointStore;
import io.twinview.core.checkpoint.RunIds;
import io.twinview.core.config.StorageConfig;
import io.twinview.core.data.DatasetException;
import io.twinview.core.data.Datasets;
import io.twinview.core.data.EvalSplits;
import io.twinview.core.data.ImageDataset;
import io.twinview.core.monitor.CollapseMonitor;
import io.twinview.core.storage.ObjectStore;
import io.twinview.core.storage.StorageSettings;
import io.twinview.eval.config.EvalConfig;
import io.twinview.eval.probe.Evaluator;
import io.twinview.eval.probe.Scores;
import io.twinview.eval.storage.ReportStore;
import io.twinview.model.EncoderKind;
import io.twinview.proto.v1.CheckpointManifest;
import io.twinview.proto.v1.EvalReport;
import io.twinview.proto.v1.EvaluateRequest;
import io.twinview.proto.v1.ProbeScores;
import io.twinview.proto.v1.RunSpec;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import java.util.ArrayList;
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
 * (checkpoint step, labelled sets, k: everything the report id depends on), answered from storage
 * when that report exists, and otherwise evaluated on ONE evaluation thread shared by gRPC and the
 * checkpoint-event listener: probing is CPU-bound and one at a time is fastest.
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

    private StorageSettings storage;
    private ObjectStore objectStore;
    private CheckpointStore checkpoints;
    private ReportStore reports;
    private ExecutorService executor;
    private final Evaluator evaluator = new Evaluator();

    /** A request with everything resolved; {@code id} names its report. */
    record Resolved(ReportId id, String manifestKey, CheckpointManifest manifest, EncoderKind encoder,
                    ImageDataset train, ImageDataset test, int k) {}

    /**
     * Clients and the evaluation thread, made when the bean is first used: the gRPC server accepts
     * calls before Quarkus fires StartupEvent, and an early call must find them ready.
     */
    @PostConstruct
    void init() {
        config.validate();
        // the natives travel in the pytorch-native-cpu jar: DJL must never try to download any
        System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
        if (config.threads() > 0) {
            // read by the PyTorch engine when it loads, which happens on the first evaluation below
            System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(config.threads()));
        }
        storage = storageConfig.settings();
        objectStore = new ObjectStore(storage);
        objectStore.ensureBucket();
        checkpoints = new CheckpointStore(objectStore);
        reports = new ReportStore(objectStore);
        executor = Executors.newSingleThreadExecutor(runnable -> new Thread(runnable, "eval-probe"));
        executor.submit(() -> {
            try {
                Engine engine = Engine.getEngine("PyTorch");
                LOG.infof("probing with %s %s on the eval-probe thread (%s)", engine.getEngineName(), engine.getVersion(),
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
     * of the evaluation queued on the evaluation thread.
     */
    public Future<EvalReport> submit(EvaluateRequest request) {
        Resolved resolved = resolve(request);
        Optional<EvalReport> stored = reports.find(resolved.id());
        if (stored.isPresent()) {
            LOG.debugf("report %s exists: not evaluating again", resolved.id());
            return CompletableFuture.completedFuture(stored.get());
        }
        return executor.submit(() -> run(resolved));
    }

    /** @throws EvalNotFoundException when no report has that id */
    public EvalReport report(String reportId) {
        ReportId id = ReportId.parse(reportId).orElseThrow(() -> new InvalidEvalRequestException("report_id",
                "report_id '" + reportId + "' is not of the form <run-id>.<step>.<8 hex digits>, as Evaluate and"
                        + " ListReports return it"));
        return reports.find(id).orElseThrow(() -> new EvalNotFoundException("no report " + reportId + " at s3://"
                + objectStore.bucket() + "/" + ReportStore.key(id) + "; ListReports with run_id " + id.runId()
                + " shows the run's reports"));
    }

    /** Reports of one run (every run when blank), newest first. */
    public List<EvalReport> reports(String runId) {
        if (runId == null || runId.isEmpty()) {
            return reports.list(null);
        }
        checkRunId(runId);
        if (!checkpoints.runIds().contains(runId)) {
            throw new EvalNotFoundException("no run '" + runId + "' in s3://" + objectStore.bucket() + "/"
                    + CheckpointKeys.runsPrefix() + "; leave run_id empty to list the reports of every run");
        }
        return reports.list(runId);
    }

    Resolved resolve(EvaluateRequest request) {
        String runId = request.getRunId();
        checkRunId(runId);
        if (request.getStep() < 0) {
            throw new InvalidEvalRequestException("step", "step " + request.getStep()
                    + " is negative; give a checkpoint step, or 0 for the newest complete checkpoint");
        }
        if (request.getKnnK() < 0) {
            throw new InvalidEvalRequestException("knn_k", "knn_k " + request.getKnnK()
                    + " is negative; give k >= 1, or 0 for the default " + config.knnK());
        }
        Found found = findCheckpoint(runId, request.getStep());
        Checkpoint checkpoint = found.checkpoint();
        CheckpointManifest manifest = checkpoint.manifest();
        RunSpec spec = manifest.getSpec();
        EncoderKind encoder;
        try {
            encoder = EncoderKind.fromKey(spec.getEncoder());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("checkpoint " + checkpoint.manifestKey() + ": " + e.getMessage(), e);
        }
        EvalSplits defaults = null;
        String trainUri = firstNonEmpty(request.getEvalTrainUri(), spec.getEvalTrainUri());
        String testUri = firstNonEmpty(request.getEvalTestUri(), spec.getEvalTestUri());
        if ((trainUri == null || testUri == null) && !spec.getDatasetUri().isEmpty()) {
            try {
                defaults = Datasets.defaultSplits(spec.getDatasetUri(), storage);
            } catch (DatasetException e) {
                LOG.debugf("no default splits for %s: %s", spec.getDatasetUri(), e.getMessage());
            }
        }
        if (trainUri == null) {
            trainUri = defaults == null ? null : defaults.evalTrainUri();
            if (trainUri == null) {
                throw new InvalidEvalRequestException("eval_train_uri", "run " + runId + " names no eval_train_uri and its"
                        + " dataset_uri '" + spec.getDatasetUri() + "' gives no labelled train split; name one with"
                        + " eval_train_uri, e.g. cifar10:/data/cifar?split=train");
            }
        }
        if (testUri == null) {
            testUri = defaults == null ? null : defaults.evalTestUri();
            if (testUri == null) {
                throw new InvalidEvalRequestException("eval_test_uri", "empty eval test set: run " + runId
                        + " names no eval_test_uri and its dataset_uri '" + spec.getDatasetUri()
                        + "' has no held-out labelled images" + (defaults == null ? "" : " (" + defaults.note() + ")")
                        + "; name one with eval_test_uri, e.g. cifar10:/data/cifar?split=test");
            }
        }
        ImageDataset train = open("eval_train_uri", trainUri, storage);
        ImageDataset test = open("eval_test_uri", testUri, storage);
        if (train.size() == 0) {
            throw new InvalidEvalRequestException("eval_train_uri", "eval train set " + train.uri()
                    + " has no images; name a labelled set with eval_train_uri");
        }
        if (test.size() == 0) {
            throw new InvalidEvalRequestException("eval_test_uri", "empty eval test set " + test.uri()
                    + "; name one with eval_test_uri");
        }
        if (train.classCount() != test.classCount()) {
            throw new InvalidEvalRequestException("eval_test_uri", "eval train set " + train.uri() + " has "
                    + train.classCount() + " classes but eval test set " + test.uri() + " has " + test.classCount()
                    + "; name two splits of one labelled dataset");
        }
        int k = request.getKnnK() == 0 ? config.knnK() : request.getKnnK();
        return new Resolved(ReportId.of(runId, found.step(), train.uri(), test.uri(), k), checkpoint.manifestKey(), manifest,
                encoder, train, test, k);
    }

    private record Found(long step, Checkpoint checkpoint) {}

    /** The checkpoint (manifest present, objects present with their sizes; contents not yet read). */
    private Found findCheckpoint(String runId, long step) {
        List<Long> steps = checkpoints.steps(runId);
        if (steps.isEmpty()) {
            throw new EvalNotFoundException("run '" + runId + "' has no checkpoint in s3://" + objectStore.bucket() + "/"
                    + CheckpointKeys.checkpointsPrefix(runId) + "; check the run id (TrainerService.ListRuns) or wait"
                    + " for its first checkpoint");
        }
        if (step == 0) {
            for (long candidate : steps) {
                Optional<Checkpoint> checkpoint = checkpoints.read(runId, candidate, Set.of());
                if (checkpoint.isPresent()) {
                    return new Found(candidate, checkpoint.get());
                }
            }
            throw new EvalNotFoundException("run '" + runId + "' has no complete checkpoint (manifests at steps "
                    + describe(steps) + " list missing or truncated objects)");
        }
        return checkpoints.read(runId, step, Set.of()).map(c -> new Found(step, c)).orElseThrow(() -> new EvalNotFoundException("run '" + runId
                + "' has no complete checkpoint at step " + step + "; steps with a manifest: " + describe(steps)
                + " (or give step 0 for the newest complete one)"));
    }

    private EvalReport run(Resolved resolved) {
        long start = System.nanoTime();
        Optional<EvalReport> stored = reports.find(resolved.id());
        if (stored.isPresent()) {
            return stored.get(); // evaluated while this request waited
        }
        ReportId id = resolved.id();
        Checkpoint checkpoint = checkpoints.read(id.runId(), id.step(), ENCODER).orElseThrow(() ->
                new EvalNotFoundException("checkpoint " + resolved.manifestKey() + " is no longer complete or its"
                        + " encoder does not match its sha256 (see the service log); evaluate another step"));
        RunSpec spec = resolved.manifest().getSpec();
        int imageSize = spec.hasImageSize() ? spec.getImageSize() : DEFAULT_IMAGE_SIZE;
        Evaluator.Input input = new Evaluator.Input(resolved.encoder(), spec.getSeed(), imageSize,
                checkpoint.object("encoder"), resolved.train(), resolved.test(), resolved.k());
        rememberStoredBaseline(input, id);
        if (resolved.train().height() != imageSize || resolved.train().width() != imageSize) {
            LOG.infof("%s: probing at the eval set's %dx%d pixels; the run trained on %d px views",
                    id, resolved.train().width(), resolved.train().height(), imageSize);
        }
        LOG.infof("evaluating %s (%s): %s encoder on %s -> %s, k %d", id, resolved.manifestKey(), resolved.encoder().key(),
                resolved.train().uri(), resolved.test().uri(), resolved.k());
        Evaluator.Outcome outcome;
        try {
            outcome = evaluator.evaluate(input);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("checkpoint " + resolved.manifestKey() + " cannot be probed: " + e.getMessage(), e);
        }
        EvalReport report = EvalReport.newBuilder()
                .setReportId(id.toString())
                .setRunId(id.runId())
                .setStep(id.step())
                .setEpoch(resolved.manifest().getEpoch())
                .setMethod(spec.getMethod())
                .setEncoder(resolved.encoder().key())
                .setCheckpointManifestKey(resolved.manifestKey())
                .setEvalTrainUri(resolved.train().uri())
                .setEvalTestUri(resolved.test().uri())
                .setTrainSamples(outcome.trainSamples())
                .setTestSamples(outcome.testSamples())
                .setFeatureDim(outcome.featureDim())
                .setKnnK(outcome.k())
                .setKnnTemperature(outcome.temperature())
                .setSsl(toProto(outcome.ssl()))
                .setRandomInit(toProto(outcome.randomInit()))
                .setLinearL2(outcome.linearL2())
                .setWallSeconds((System.nanoTime() - start) / 1e9)
                .setCreatedAt(Timestamps.fromMillis(System.currentTimeMillis()))
                .setTrainingMonitors(resolved.manifest().getMonitors())
                .setFeatureMonitors(outcome.featureMonitors().toProto(resolved.manifest().getStep()))
                .addAllWarnings(warnings(resolved.manifest(), outcome.featureMonitors()))
                .build();
        report.getWarningsList().forEach(warning -> LOG.warnf("report %s: %s", id, warning));
        String key = reports.save(report);
        LOG.infof("report %s: k-NN top-1 %.4f (random init %.4f), linear top-1 %.4f (random init %.4f)%s in %.1f s -> %s",
                id, outcome.ssl().knnTop1(), outcome.randomInit().knnTop1(), outcome.ssl().linearTop1(),
                outcome.randomInit().linearTop1(), outcome.baselineCached() ? " (baseline cached)" : "",
                report.getWallSeconds(), key);
        return report;
    }

    /** What the trainer flagged at this checkpoint (collapse, skipped NaN steps), and collapsed frozen features. */
    static List<String> warnings(CheckpointManifest manifest, CollapseMonitor.Reading features) {
        List<String> warnings = new ArrayList<>();
        if (!manifest.getMonitors().getWarning().isEmpty()) {
            warnings.add(manifest.getMonitors().getWarning() + " (trainer, step " + manifest.getMonitors().getStep() + ")");
        }
        if (features.collapsed()) {
            warnings.add(features.warning() + " (frozen encoder features of the test set)");
        }
        double nonFinite = manifest.getMetricsOrDefault(CheckpointMetrics.NON_FINITE_STEPS, 0);
        if (nonFinite > 0) {
            warnings.add(String.format("%.0f training steps had a NaN or infinite loss and were skipped", nonFinite));
        }
        return warnings;
    }

    /** Seeds the baseline cache from a stored report of the same run and request (e.g. after a restart). */
    private void rememberStoredBaseline(Evaluator.Input input, ReportId id) {
        if (evaluator.cachedBaseline(input.baselineKey()).isPresent()) {
            return;
        }
        try {
            for (EvalReport other : reports.sameRequest(id)) {
                if (other.hasRandomInit() && other.getEvalTrainUri().equals(input.train().uri())
                        && other.getEvalTestUri().equals(input.test().uri()) && other.getEncoder().equals(input.encoder().key())) {
                    ProbeScores p = other.getRandomInit();
                    evaluator.rememberBaseline(input.baselineKey(),
                            new Scores(p.getKnnTop1(), p.getKnnTop5(), p.getLinearTop1(), p.getLinearTop5()));
                    LOG.debugf("random-init baseline of %s taken from report %s", id, other.getReportId());
                    return;
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("could not look for a stored baseline of %s (computing it): %s", id, e.getMessage());
        }
    }

    private static ProbeScores toProto(Scores scores) {
        return ProbeScores.newBuilder()
                .setKnnTop1(scores.knnTop1())
                .setKnnTop5(scores.knnTop5())
                .setLinearTop1(scores.linearTop1())
                .setLinearTop5(scores.linearTop5())
                .build();
    }

    /** Opens a labelled set; an s3:// one ({@code SCHEME:s3://BUCKET/PREFIX}) is mirrored into the dataset cache first. */
    private static ImageDataset open(String field, String uri, StorageSettings storage) {
        ImageDataset data;
        try {
            data = Datasets.open(uri, storage);
        } catch (DatasetException e) {
            throw new InvalidEvalRequestException(field, "cannot read " + field + ": " + e.getMessage()
                    + "; name a readable labelled set with " + field, e);
        }
        if (!data.labelled()) {
            throw new InvalidEvalRequestException(field, field + " '" + uri + "' has no labels (a set for pre-training"
                    + " only, like stl10 split=unlabeled); name a labelled set with " + field);
        }
        return data;
    }

    private static void checkRunId(String runId) {
        if (runId == null || runId.isEmpty()) {
            throw new InvalidEvalRequestException("run_id", "run_id is empty; name the run to evaluate");
        }
        if (!RunIds.isValid(runId)) {
            throw new InvalidEvalRequestException("run_id", "run_id '" + runId + "' is not a run id: " + RunIds.RULE);
        }
    }

    private static String firstNonEmpty(String first, String second) {
        if (!first.isEmpty()) {
            return first;
        }
        return second.isEmpty() ? null : second;
    }

    private static String describe(List<Long> steps) {
        List<Long> shown = steps.subList(0, Math.min(10, steps.size()));
        return shown + (steps.size() > shown.size() ? " and " + (steps.size() - shown.size()) + " older" : "");
    }
}
