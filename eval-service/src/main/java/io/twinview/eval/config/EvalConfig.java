package io.twinview.eval.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

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
        if (checkpointsTopic().isBlank() || groupId().isBlank()) {
            throw new IllegalArgumentException(
                    "twinview.eval.checkpoints-topic and twinview.eval.group-id must not be blank");
        }
    }
}
