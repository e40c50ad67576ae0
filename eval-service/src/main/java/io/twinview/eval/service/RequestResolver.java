package io.twinview.eval.service;

import io.twinview.core.checkpoint.Checkpoint;
import io.twinview.core.checkpoint.CheckpointKeys;
import io.twinview.core.checkpoint.CheckpointStore;
import io.twinview.core.checkpoint.RunIds;
import io.twinview.core.data.DatasetAccessException;
import io.twinview.core.data.DatasetException;
import io.twinview.core.data.DatasetPolicy;
import io.twinview.core.data.Datasets;
import io.twinview.core.data.EvalSplits;
import io.twinview.core.data.ImageDataset;
import io.twinview.core.storage.StorageSettings;
import io.twinview.model.EncoderKind;
import io.twinview.proto.v1.CheckpointManifest;
import io.twinview.proto.v1.EvaluateRequest;
import io.twinview.proto.v1.RunSpec;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Turns what a caller asks for (an EvaluateRequest, a report id, a run to list) into what to
 * evaluate or read, or into the error that says what to fix: {@link InvalidEvalRequestException}
 * naming the field, {@link EvalNotFoundException} for a run or checkpoint that does not exist.
 * Evaluation sets not named by the request come from the run's spec, then from the default splits
 * of its training dataset.
 */
final class RequestResolver {

    private static final Logger LOG = Logger.getLogger(RequestResolver.class);

    private final CheckpointStore checkpoints;
    private final String bucket;
    private final StorageSettings storage;
    private final int defaultK;
    private final DatasetPolicy datasets;

    /** Evaluation sets from anywhere, default limits (tests): {@link DatasetPolicy#OPEN}. */
    RequestResolver(CheckpointStore checkpoints, String bucket, StorageSettings storage, int defaultK) {
        this(checkpoints, bucket, storage, defaultK, DatasetPolicy.OPEN);
    }

    /**
     * @param bucket   where the checkpoints are, for messages
     * @param storage  what {@code SCHEME:s3://BUCKET/PREFIX} evaluation sets are read from
     * @param defaultK k of a request that gives 0
     * @param datasets the roots every evaluation set (named by the request or by the run) must lie in,
     *                 and the dataset size limits ({@code twinview.datasets.*})
     */
    RequestResolver(
            CheckpointStore checkpoints, String bucket, StorageSettings storage, int defaultK, DatasetPolicy datasets) {
        this.checkpoints = checkpoints;
        this.bucket = bucket;
        this.storage = storage;
        this.defaultK = defaultK;
        this.datasets = datasets;
    }

    /**
     * Checks the request, finds its checkpoint (the newest complete one for step 0) and opens its
     * labelled sets: everything the report id depends on.
     */
    ResolvedRequest resolve(EvaluateRequest request) {
        String runId = request.getRunId();
        checkRunId(runId);
        if (request.getStep() < 0) {
            throw new InvalidEvalRequestException(
                    "step",
                    "step " + request.getStep()
                            + " is negative; give a checkpoint step, or 0 for the newest complete checkpoint");
        }
        if (request.getKnnK() < 0) {
            throw new InvalidEvalRequestException(
                    "knn_k",
                    "knn_k " + request.getKnnK() + " is negative; give k >= 1, or 0 for the default " + defaultK);
        }
        Found found = findCheckpoint(runId, request.getStep());
        Checkpoint checkpoint = found.checkpoint();
        CheckpointManifest manifest = checkpoint.manifest();
        RunSpec spec = manifest.getSpec();
        EncoderKind encoder;
        try {
            encoder = EncoderKind.stored(spec.getEncoder());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("checkpoint " + checkpoint.manifestKey() + ": " + e.getMessage(), e);
        }
        EvalSplits defaults = null;
        String trainUri = firstNonEmpty(request.getEvalTrainUri(), spec.getEvalTrainUri());
        String testUri = firstNonEmpty(request.getEvalTestUri(), spec.getEvalTestUri());
        if ((trainUri == null || testUri == null) && !spec.getDatasetUri().isEmpty()) {
            try {
                defaults = Datasets.defaultSplits(spec.getDatasetUri(), storage, datasets);
            } catch (DatasetException e) {
                LOG.debugf("no default splits for %s: %s", spec.getDatasetUri(), e.getMessage());
            }
        }
        if (trainUri == null) {
            trainUri = defaults == null ? null : defaults.evalTrainUri();
            if (trainUri == null) {
                throw new InvalidEvalRequestException(
                        "eval_train_uri",
                        "run " + runId + " names no eval_train_uri and its"
                                + " dataset_uri '" + spec.getDatasetUri()
                                + "' gives no labelled train split; name one with"
                                + " eval_train_uri, e.g. cifar10:/data/cifar?split=train");
            }
        }
        if (testUri == null) {
            testUri = defaults == null ? null : defaults.evalTestUri();
            if (testUri == null) {
                throw new InvalidEvalRequestException(
                        "eval_test_uri",
                        "empty eval test set: run " + runId
                                + " names no eval_test_uri and its dataset_uri '" + spec.getDatasetUri()
                                + "' has no held-out labelled images"
                                + (defaults == null ? "" : " (" + defaults.note() + ")")
                                + "; name one with eval_test_uri, e.g. cifar10:/data/cifar?split=test");
            }
        }
        ImageDataset train = open("eval_train_uri", trainUri);
        ImageDataset test = open("eval_test_uri", testUri);
        if (train.size() == 0) {
            throw new InvalidEvalRequestException(
                    "eval_train_uri",
                    "eval train set " + train.uri() + " has no images; name a labelled set with eval_train_uri");
        }
        if (test.size() == 0) {
            throw new InvalidEvalRequestException(
                    "eval_test_uri", "empty eval test set " + test.uri() + "; name one with eval_test_uri");
        }
        if (train.classCount() != test.classCount()) {
            throw new InvalidEvalRequestException(
                    "eval_test_uri",
                    "eval train set " + train.uri() + " has "
                            + train.classCount() + " classes but eval test set " + test.uri() + " has "
                            + test.classCount()
                            + "; name two splits of one labelled dataset");
        }
        int k = request.getKnnK() == 0 ? defaultK : request.getKnnK();
        return new ResolvedRequest(
                ReportId.of(runId, found.step(), train.uri(), test.uri(), k),
                checkpoint.manifestKey(),
                manifest,
                encoder,
                train,
                test,
                k);
    }

    /** The id GetReport is asked for. */
    ReportId reportId(String text) {
        return ReportId.parse(text)
                .orElseThrow(() -> new InvalidEvalRequestException(
                        "report_id",
                        "report_id '" + text + "' is not of the form <run-id>.<step>.<8 hex digits>, as Evaluate and"
                                + " ListReports return it"));
    }

    /** Checks a run whose reports are listed: a run id, of a run with checkpoints. */
    void checkRunExists(String runId) {
        checkRunId(runId);
        if (!checkpoints.runIds().contains(runId)) {
            throw new EvalNotFoundException("no run '" + runId + "' in s3://" + bucket + "/"
                    + CheckpointKeys.runsPrefix() + "; leave run_id empty to list the reports of every run");
        }
    }

    private record Found(long step, Checkpoint checkpoint) {}

    /** The checkpoint (manifest present, objects present with their sizes; contents not yet read). */
    private Found findCheckpoint(String runId, long step) {
        List<Long> steps = checkpoints.steps(runId);
        if (steps.isEmpty()) {
            throw new EvalNotFoundException("run '" + runId + "' has no checkpoint in s3://" + bucket + "/"
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
        return checkpoints
                .read(runId, step, Set.of())
                .map(c -> new Found(step, c))
                .orElseThrow(() -> new EvalNotFoundException("run '" + runId
                        + "' has no complete checkpoint at step " + step + "; steps with a manifest: " + describe(steps)
                        + " (or give step 0 for the newest complete one)"));
    }

    /** Opens a labelled set; an s3:// one ({@code SCHEME:s3://BUCKET/PREFIX}) is mirrored into the dataset cache first. */
    private ImageDataset open(String field, String uri) {
        ImageDataset data;
        try {
            data = Datasets.open(uri, storage, datasets);
        } catch (DatasetAccessException e) {
            throw new InvalidEvalRequestException(field, field + " = '" + uri + "' is not valid: " + e.getMessage(), e);
        } catch (DatasetException e) {
            throw new InvalidEvalRequestException(
                    field,
                    "cannot read " + field + ": " + e.getMessage() + "; name a readable labelled set with " + field,
                    e);
        }
        if (!data.labelled()) {
            throw new InvalidEvalRequestException(
                    field,
                    field + " '" + uri + "' has no labels (a set for pre-training"
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
