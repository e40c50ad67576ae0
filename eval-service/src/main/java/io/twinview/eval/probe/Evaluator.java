package io.twinview.eval.probe;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.twinview.core.data.ImageDataset;
import io.twinview.core.monitor.CollapseMonitor;
import io.twinview.model.BlockParameters;
import io.twinview.model.EncoderKind;
import io.twinview.model.Encoders;
import io.twinview.model.InitialWeights;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import org.jboss.logging.Logger;

/**
 * Probes a checkpoint's frozen encoder and the same architecture as the run began (its seed,
 * untrained; or the initial weights its spec imported) with the k-NN and linear probes on one
 * labelled train/test pair.
 *
 * <p>The baseline depends only on {@link BaselineKey} (encoder, seed, image size, initial weights, the
 * two sets, k), so it is computed once per key and kept in a bounded in-memory cache: a run's later
 * checkpoints reuse it. Not thread-safe for concurrent {@link #evaluate} calls (the service runs
 * one at a time); the cache itself is.
 */
public final class Evaluator {

    private static final Logger LOG = Logger.getLogger(Evaluator.class);

    /**
     * @param encoderParameters the checkpoint's encoder, {@link BlockParameters#toBytes} of a block of
     *                          {@code encoder} initialised at {@code imageSize}
     * @param k                 k of the k-NN probe
     * @param initialWeights    the weights the run's encoder started from (RunSpec {@code initial_weights}),
     *                          probed as the baseline; null when it started from its seed
     */
    public record Input(
            EncoderKind encoder,
            long seed,
            int imageSize,
            byte[] encoderParameters,
            ImageDataset train,
            ImageDataset test,
            int k,
            InitialWeights initialWeights) {
        public Input {
            Objects.requireNonNull(encoder, "encoder");
            Objects.requireNonNull(encoderParameters, "encoderParameters");
            Objects.requireNonNull(train, "train");
            Objects.requireNonNull(test, "test");
        }

        /** A run that started from its seed. */
        public Input(
                EncoderKind encoder,
                long seed,
                int imageSize,
                byte[] encoderParameters,
                ImageDataset train,
                ImageDataset test,
                int k) {
            this(encoder, seed, imageSize, encoderParameters, train, test, k, null);
        }

        public BaselineKey baselineKey() {
            String weights = initialWeights == null ? "" : initialWeights.uri() + "@sha256:" + initialWeights.sha256();
            return new BaselineKey(encoder.key(), seed, imageSize, weights, train.uri(), test.uri(), k);
        }

        /** How the report names the baseline: {@code random init (seed N)} or {@code initial weights URI}. */
        public String baselineLabel() {
            return initialWeights == null ? randomInitLabel(seed) : initialWeights.label();
        }
    }

    /** The label of the seeded baseline. */
    public static String randomInitLabel(long seed) {
        return "random init (seed " + seed + ")";
    }

    /**
     * What the baseline scores depend on.
     *
     * @param initialWeights the initial weights' URI and SHA-256 ({@code URI@sha256:HEX}), empty for the seeded init
     */
    public record BaselineKey(
            String encoder, long seed, int imageSize, String initialWeights, String trainUri, String testUri, int k) {}

    /**
     * @param linearL2          the L2 chosen for the checkpoint's linear probe
     * @param k                 neighbours the k-NN probe used (k capped at the train size)
     * @param randomInit        the baseline's scores: the encoder as the run began ({@code baseline} names it)
     * @param baselineCached    whether {@code randomInit} came from the cache
     * @param seconds           wall time of the whole evaluation
     * @param baseline          {@code random init (seed N)} or {@code initial weights URI}
     */
    public record Outcome(
            Scores ssl,
            Scores randomInit,
            double linearL2,
            int featureDim,
            int trainSamples,
            int testSamples,
            int k,
            double temperature,
            boolean baselineCached,
            double seconds,
            CollapseMonitor.Reading featureMonitors,
            String baseline) {}

    private final FeatureExtractor extractor;
    private final LinearProbe linearProbe;
    private final double temperature;
    private final Map<BaselineKey, Scores> baselines;

    public Evaluator() {
        this(new FeatureExtractor(), new LinearProbe(), KnnProbe.DEFAULT_TEMPERATURE, 64);
    }

    public Evaluator(FeatureExtractor extractor, LinearProbe linearProbe, double temperature, int baselineCacheSize) {
        this.extractor = extractor;
        this.linearProbe = linearProbe;
        this.temperature = temperature;
        this.baselines = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<BaselineKey, Scores> eldest) {
                return size() > baselineCacheSize;
            }
        };
    }

    public synchronized Optional<Scores> cachedBaseline(BaselineKey key) {
        return Optional.ofNullable(baselines.get(key));
    }

    /** Remembers random-init scores found elsewhere (e.g. in a stored report of the same run). */
    public synchronized void rememberBaseline(BaselineKey key, Scores scores) {
        baselines.put(key, scores);
    }

    /**
     * @throws IllegalArgumentException when the encoder bytes do not fit the architecture, or the
     *                                  sets are empty or disagree on their classes
     */
    public Outcome evaluate(Input input) {
        ImageDataset train = input.train();
        ImageDataset test = input.test();
        if (train.size() == 0 || test.size() == 0) {
            throw new IllegalArgumentException("both sets need images: train " + train.uri() + " has " + train.size()
                    + ", test " + test.uri() + " has " + test.size());
        }
        if (train.classCount() != test.classCount()) {
            throw new IllegalArgumentException("train " + train.uri() + " has " + train.classCount() + " classes, test "
                    + test.uri() + " has " + test.classCount());
        }
        long start = System.nanoTime();
        KnnProbe knn = new KnnProbe(input.k(), temperature);
        BaselineKey key = input.baselineKey();
        try (NDManager manager = NDManager.newBaseManager()) {
            Probed ssl;
            try (NDManager checkpointManager = manager.newSubManager()) {
                // the architecture as initialised for the run, then the checkpoint's weights and BN statistics
                Block encoder = Encoders.create(input.encoder(), input.seed(), input.imageSize(), checkpointManager);
                BlockParameters.load(encoder, input.encoderParameters(), checkpointManager);
                ssl = probe("checkpoint", encoder, input, knn, checkpointManager);
            }

            Optional<Scores> cached = cachedBaseline(key);
            Scores randomInit;
            if (cached.isPresent()) {
                randomInit = cached.get();
            } else {
                try (NDManager baselineManager = manager.newSubManager()) {
                    Block initial = Encoders.create(
                            input.encoder(), input.seed(), input.imageSize(), baselineManager, input.initialWeights());
                    randomInit = probe(input.baselineLabel(), initial, input, knn, baselineManager)
                            .scores();
                }
                rememberBaseline(key, randomInit);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            return new Outcome(
                    ssl.scores(),
                    randomInit,
                    ssl.linearL2(),
                    ssl.featureDim(),
                    train.size(),
                    test.size(),
                    knn.effectiveK(train.size()),
                    temperature,
                    cached.isPresent(),
                    seconds,
                    ssl.featureMonitors(),
                    input.baselineLabel());
        }
    }

    /** @param featureMonitors the collapse monitors of the test set's frozen features */
    private record Probed(Scores scores, double linearL2, int featureDim, CollapseMonitor.Reading featureMonitors) {}

    private Probed probe(String what, Block encoder, Input input, KnnProbe knn, NDManager manager) {
        long t0 = System.nanoTime();
        Features train = extractor.extract(encoder, input.train(), input.imageSize(), manager);
        Features test = extractor.extract(encoder, input.test(), input.imageSize(), manager);
        long t1 = System.nanoTime();
        Accuracy knnAccuracy = knn.score(train, test, manager);
        long t2 = System.nanoTime();
        LinearProbe.Fit fit = linearProbe.fit(train);
        Accuracy linearAccuracy = fit.classifier().score(test);
        long t3 = System.nanoTime();
        LOG.infof(
                "%s %s: features %d + %d x %d in %.1f s; k-NN (k %d) top-1 %.4f in %.2f s;"
                        + " linear (l2 %.0e, %d iterations, %s) top-1 %.4f in %.2f s",
                input.encoder().key(),
                what,
                train.size(),
                test.size(),
                train.dim(),
                (t1 - t0) / 1e9,
                knn.effectiveK(train.size()),
                knnAccuracy.top1(),
                (t2 - t1) / 1e9,
                fit.l2(),
                fit.iterations(),
                fit.stop(),
                linearAccuracy.top1(),
                (t3 - t2) / 1e9);
        return new Probed(Scores.of(knnAccuracy, linearAccuracy), fit.l2(), train.dim(), monitors(test));
    }

    /** std and effective rank of the frozen features, as the trainer reads its embeddings. */
    static CollapseMonitor.Reading monitors(Features features) {
        int d = features.dim();
        float[] flat = new float[features.size() * d]; // (n, d) row-major
        for (int i = 0; i < features.size(); i++) {
            System.arraycopy(features.values()[i], 0, flat, i * d, d);
        }
        return CollapseMonitor.read(flat, d, OptionalDouble.empty());
    }
}
