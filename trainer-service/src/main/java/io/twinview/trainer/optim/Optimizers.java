package io.twinview.trainer.optim;

import ai.djl.ndarray.NDManager;
import java.util.List;

/** Optimizer names a run may choose, and their construction. */
public final class Optimizers {

    public static final List<String> NAMES = List.of("sgd", "lars", "adam", "adamw");

    private Optimizers() {}

    /** @throws IllegalArgumentException naming the value and the allowed names */
    public static Optimizer create(OptimizerConfig config, NDManager manager) {
        double momentum = config.momentum();
        double weightDecay = config.weightDecay();
        return switch (config.name()) {
            case "sgd" -> new Sgd(momentum, weightDecay, manager);
            case "lars" -> new Lars(momentum, weightDecay, config.trustCoefficient(), manager);
            case "adam" -> new Adam(weightDecay, false, manager);
            case "adamw" -> new Adam(weightDecay, true, manager);
            default ->
                throw new IllegalArgumentException(
                        "optimizer '" + config.name() + "' is not known; allowed: " + String.join(", ", NAMES));
        };
    }
}
