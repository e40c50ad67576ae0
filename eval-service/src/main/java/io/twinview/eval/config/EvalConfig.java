package io.twinview.eval.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.twinview.core.retry.Backoff;
import java.time.Duration;

/** Settings of eval-service ({@code twinview.eval.*}); checked at startup by {@link #validate}. */
@ConfigMapping(prefix = "twinview.eval")
public interface EvalConfig {

    /** Topic of CheckpointEvents. Default {@code twinview.checkpoints}. */
    @WithDefault("twinview.checkpoints")
    String checkpointsTopic();

    /** Consumer group of the automatic evaluations. Default {@code twinview-eval}. */
    @WithDefault("twinview-eval")
    String groupId();

    /** k of the k-NN probe when a request leaves it 0. Default 200 (InstDisc). */
    @WithDefault("200")
    int knnK();

    /** PyTorch intra-op threads; 0 = PyTorch's default (the number of cores). Default 0. */
    @WithDefault("0")
    int threads();

    /** Evaluate every checkpoint event of the checkpoints topic. Default true. */
    @WithDefault("true")
    boolean auto();

    /**
     * Skip a run's intermediate checkpoints that a newer checkpoint of the same run overtook while
     * they waited for their evaluation: for an evaluator slower than the run's checkpoint cadence,
     * which then reports the newest (and every final) checkpoint instead of falling further behind.
     * Default false: every checkpoint gets a report.
     */
    @WithDefault("false")
    boolean skipSuperseded();

    /**
     * Tries an automatic evaluation gets before its checkpoint gets a failed report with the last
     * error (an out-of-memory, a corrupt object), so that one bad checkpoint does not block the
     * others. Transient outages waited out within a try (see {@link #retryFor()}) do not count.
     * Default 3.
     */
    @WithDefault("3")
    int maxAttempts();

    /**
     * How long a transient storage or broker failure (unreachable, a server error, a commit timeout)
     * is retried, with capped exponential backoff and jitter (200 ms doubling to 10 s), before the
     * try fails. Storing a report and committing its event are retried until they succeed. Default
     * 10 minutes ({@code 10m}).
     */
    @WithDefault("10m")
    Duration retryFor();

    /** The EmbedService ({@code twinview.eval.embed.*}). */
    Embed embed();

    /** Settings of the EmbedService: dynamic batching, the encoder cache, request limits. */
    interface Embed {

        /**
         * Run the images of concurrent calls for the same checkpoint through the encoder together. Off:
         * every call gets its own forward pass, in arrival order. Default true.
         */
        @WithDefault("true")
        boolean batching();

        /** Most images in one encoder forward pass (a call with more is split). Default 64. */
        @WithDefault("64")
        int maxBatch();

        /**
         * The longest the first waiting call waits for others to join its forward pass. It waits only
         * while fewer calls wait than the checkpoint's previous pass served (a lone caller never waits).
         * Default 5 ms ({@code 5ms}).
         */
        @WithDefault("5ms")
        Duration maxDelay();

        /**
         * Encoders (checkpoint steps) kept loaded; the least recently used is closed when another is
         * loaded. Default 4.
         */
        @WithDefault("4")
        int cacheSize();

        /** Most images in one request (one message of EmbedStream). Default 512. */
        @WithDefault("512")
        int maxImages();

        /**
         * Most image bytes (encoded or raw) in one request; gRPC refuses messages over 4 MiB before
         * this is checked unless {@code quarkus.grpc.server.max-inbound-message-size} is raised.
         * Default 4194304 (4 MiB).
         */
        @WithDefault("4194304")
        long maxRequestBytes();

        /** Largest height or width of an image before preprocessing. Default 4096. */
        @WithDefault("4096")
        int maxImageSide();
    }

    /** {@link #retryFor()} as the backoff of every retry of eval-service. */
    default Backoff backoff() {
        return new Backoff(Backoff.DEFAULT.initial(), Backoff.DEFAULT.max(), retryFor());
    }

    /**
     * @throws IllegalArgumentException naming the setting, its value and what is allowed
     */
    default void validate() {
        if (knnK() < 1) {
            throw new IllegalArgumentException("twinview.eval.knn-k must be at least 1, was " + knnK());
        }
        if (threads() < 0) {
            throw new IllegalArgumentException(
                    "twinview.eval.threads must be 0 (PyTorch's default) or more, was " + threads());
        }
        if (maxAttempts() < 1) {
            throw new IllegalArgumentException(
                    "twinview.eval.max-attempts must be at least 1 (one try, no retry), was " + maxAttempts());
        }
        if (retryFor().isNegative()) {
            throw new IllegalArgumentException(
                    "twinview.eval.retry-for must be 0s (no retry) or more, e.g. 10m, was " + retryFor());
        }
        Embed embed = embed();
        if (embed.maxBatch() < 1 || embed.cacheSize() < 1 || embed.maxImages() < 1) {
            throw new IllegalArgumentException("twinview.eval.embed.max-batch (" + embed.maxBatch()
                    + "), cache-size (" + embed.cacheSize() + ") and max-images (" + embed.maxImages()
                    + ") must each be at least 1");
        }
        if (embed.maxDelay().isNegative()) {
            throw new IllegalArgumentException(
                    "twinview.eval.embed.max-delay must be 0s or more, e.g. 5ms, was " + embed.maxDelay());
        }
        if (embed.maxRequestBytes() < 1 || embed.maxImageSide() < 1) {
            throw new IllegalArgumentException("twinview.eval.embed.max-request-bytes (" + embed.maxRequestBytes()
                    + ") and max-image-side (" + embed.maxImageSide() + ") must be at least 1");
        }
        if (checkpointsTopic().isBlank() || groupId().isBlank()) {
            throw new IllegalArgumentException(
                    "twinview.eval.checkpoints-topic and twinview.eval.group-id must not be blank");
        }
    }
}
