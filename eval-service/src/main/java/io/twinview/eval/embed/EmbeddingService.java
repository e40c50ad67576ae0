package io.twinview.eval.embed;

import ai.djl.nn.Block;
import io.quarkus.runtime.ShutdownEvent;
import io.twinview.core.checkpoint.Checkpoint;
import io.twinview.core.checkpoint.CheckpointKeys;
import io.twinview.core.checkpoint.CheckpointStore;
import io.twinview.core.checkpoint.RunIds;
import io.twinview.eval.config.EvalConfig;
import io.twinview.eval.probe.FeatureExtractor;
import io.twinview.eval.service.EvalNotFoundException;
import io.twinview.eval.service.EvaluationService;
import io.twinview.eval.service.InvalidEvalRequestException;
import io.twinview.model.BlockParameters;
import io.twinview.model.EncoderKind;
import io.twinview.model.Encoders;
import io.twinview.proto.v1.CheckpointManifest;
import io.twinview.proto.v1.EvalReport;
import io.twinview.proto.v1.RunSpec;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Embeds callers' images with a run's frozen encoder. On the caller's thread: the request is checked
 * (sizes, every image decoded and brought to the run's image size by {@link EvalTransform}) and the
 * checkpoint found; then the images join a {@link DynamicBatcher} pass, which takes the encoder from
 * the {@link EncoderCache} (loading it from storage on a miss) and runs
 * {@link FeatureExtractor#features}, the probes' own transform and forward.
 *
 * <p>It lives in eval-service because eval-service already reads checkpoints and owns that
 * evaluation transform: an embedding here is, number for number, the feature a probe sees.
 */
@ApplicationScoped
public class EmbeddingService {

    private static final int DEFAULT_IMAGE_SIZE = 32;

    @Inject
    EvalConfig config;

    @Inject
    EvaluationService evaluations;

    private EvalConfig.Embed settings;
    private CheckpointStore checkpoints;
    private EncoderCache cache;
    private DynamicBatcher batcher;
    /** Manifests already read, by run and step: a checkpoint never changes once written. */
    private final Map<String, EncoderRef> refs = new ConcurrentHashMap<>();

    /** Embeddings of one call. */
    public record Embedded(EncoderRef encoder, int dim, float[][] rows, int forwardBatch) {}

    @PostConstruct
    void init() {
        settings = config.embed();
        checkpoints = new CheckpointStore(evaluations.objectStore());
        cache = new EncoderCache(settings.cacheSize());
        batcher = new DynamicBatcher(this::forward, settings.batching(), settings.maxBatch(), settings.maxDelay());
    }

    void onStop(@Observes ShutdownEvent event) {
        shutdown();
    }

    /** An embedding service outside CDI over an evaluation service's storage; {@link #shutdown()} stops it. */
    public static EmbeddingService create(EvalConfig config, EvaluationService evaluations) {
        EmbeddingService service = new EmbeddingService();
        service.config = config;
        service.evaluations = evaluations;
        service.init();
        return service;
    }

    public void shutdown() {
        if (batcher != null) {
            batcher.close();
        }
        if (cache != null) {
            cache.close();
        }
    }

    /** The loaded encoders (tests observe evictions). */
    public EncoderCache cache() {
        return cache;
    }

    /**
     * Checks the call and queues its images; the future completes with their embeddings.
     *
     * @param step 0 for the newest complete checkpoint (unless {@code best})
     * @param best the checkpoint with the highest k-NN top-1 among the run's stored reports
     * @throws InvalidEvalRequestException naming the field (and the image index) at fault
     * @throws EvalNotFoundException       for an unknown run or step
     */
    public CompletableFuture<Embedded> submit(String runId, long step, boolean best, List<ImageInput> images) {
        checkSizes(images);
        EncoderRef ref = resolve(runId, step, best);
        List<byte[]> pixels = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            try {
                pixels.add(EvalTransform.apply(images.get(i), ref.imageSize(), settings.maxImageSide()));
            } catch (EvalTransform.BadImageException e) {
                throw new InvalidEvalRequestException("images", "images[" + i + "]: " + e.getMessage());
            }
        }
        int dim = ref.encoder().featureDim();
        return batcher.submit(ref, pixels).thenApply(r -> new Embedded(ref, dim, r.rows(), r.forwardBatch()));
    }

    private void checkSizes(List<ImageInput> images) {
        if (images.size() > settings.maxImages()) {
            throw new InvalidEvalRequestException(
                    "images",
                    "the request has " + images.size() + " images; at most " + settings.maxImages()
                            + " per request (twinview.eval.embed.max-images): send them in several requests or"
                            + " on EmbedStream");
        }
        long bytes = 0;
        for (ImageInput image : images) {
            bytes += image.bytes().length;
        }
        if (bytes > settings.maxRequestBytes()) {
            throw new InvalidEvalRequestException(
                    "images",
                    "the request's images hold " + bytes + " bytes; at most " + settings.maxRequestBytes()
                            + " per request (twinview.eval.embed.max-request-bytes): send fewer images per request");
        }
    }

    /** The checkpoint a call names, from the manifest (cached per run and step). */
    EncoderRef resolve(String runId, long step, boolean best) {
        if (runId == null || runId.isEmpty()) {
            throw new InvalidEvalRequestException("run_id", "run_id is empty; name the run whose encoder embeds");
        }
        if (!RunIds.isValid(runId)) {
            throw new InvalidEvalRequestException("run_id", "run_id '" + runId + "' is not a run id: " + RunIds.RULE);
        }
        if (step < 0) {
            throw new InvalidEvalRequestException(
                    "step", "step " + step + " is negative; give a checkpoint step, 0 for the newest, or best");
        }
        if (best && step != 0) {
            throw new InvalidEvalRequestException(
                    "best", "best is set and step is " + step + "; give one of them (step 0 with best)");
        }
        if (best) {
            step = bestStep(runId);
        }
        if (step != 0) {
            EncoderRef cached = refs.get(runId + "/" + step);
            if (cached != null) {
                return cached;
            }
            final long wanted = step;
            CheckpointManifest manifest = checkpoints
                    .manifest(runId, step)
                    .orElseThrow(() -> new EvalNotFoundException("run '" + runId + "' has no checkpoint at step "
                            + wanted + "; steps with a manifest: " + checkpointSteps(runId)
                            + " (or give step 0 for the newest)"));
            return remember(runId, step, manifest);
        }
        for (long candidate : checkpointSteps(runId)) {
            EncoderRef cached = refs.get(runId + "/" + candidate);
            if (cached != null) {
                return cached;
            }
            Optional<CheckpointManifest> manifest = checkpoints.manifest(runId, candidate);
            if (manifest.isPresent()) {
                return remember(runId, candidate, manifest.get());
            }
        }
        throw new EvalNotFoundException("run '" + runId + "' has no readable checkpoint manifest");
    }

    private List<Long> checkpointSteps(String runId) {
        List<Long> steps = checkpoints.steps(runId);
        if (steps.isEmpty()) {
            throw new EvalNotFoundException("run '" + runId + "' has no checkpoint in s3://" + checkpoints.bucket()
                    + "/" + CheckpointKeys.checkpointsPrefix(runId)
                    + "; check the run id (TrainerService.ListRuns) or wait for its first checkpoint");
        }
        return steps;
    }

    /** The step of the run's stored report with the highest k-NN top-1 (the newest step on a tie). */
    private long bestStep(String runId) {
        List<EvalReport> reports = evaluations.reports(runId);
        return reports.stream()
                .filter(r -> !r.getFailed() && r.hasSsl())
                .max(Comparator.comparingDouble((EvalReport r) -> r.getSsl().getKnnTop1())
                        .thenComparingLong(EvalReport::getStep))
                .map(EvalReport::getStep)
                .orElseThrow(() -> new EvalNotFoundException("run '" + runId
                        + "' has no successful evaluation report, so no best step; evaluate it"
                        + " (./twinview eval) or give a step"));
    }

    private EncoderRef remember(String runId, long step, CheckpointManifest manifest) {
        RunSpec spec = manifest.getSpec();
        EncoderKind kind;
        try {
            kind = EncoderKind.stored(spec.getEncoder());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("checkpoint " + runId + " step " + step + ": " + e.getMessage(), e);
        }
        int imageSize = spec.hasImageSize() ? spec.getImageSize() : DEFAULT_IMAGE_SIZE;
        EncoderRef ref = new EncoderRef(runId, step, kind, spec.getSeed(), imageSize);
        refs.put(runId + "/" + step, ref);
        return ref;
    }

    /** On the batcher's thread: the cached encoder (loaded on a miss) over one pass of images. */
    private float[][] forward(EncoderRef ref, byte[] pixels, int count) {
        EncoderCache.Loaded loaded = cache.get(ref, manager -> load(ref, manager));
        return FeatureExtractor.features(
                loaded.block(), pixels, count, ref.imageSize(), ref.imageSize(), loaded.manager());
    }

    private Block load(EncoderRef ref, ai.djl.ndarray.NDManager manager) {
        Checkpoint checkpoint = checkpoints
                .read(ref.runId(), ref.step(), Set.of("encoder"))
                .orElseThrow(() -> new EvalNotFoundException("checkpoint of run '" + ref.runId() + "' at step "
                        + ref.step() + " is no longer complete or its encoder does not match its sha256"));
        Block block = Encoders.create(ref.encoder(), ref.seed(), ref.imageSize(), manager);
        BlockParameters.load(block, checkpoint.object("encoder"), manager);
        return block;
    }
}
