package io.twinview.trainer.method;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** The one place methods are registered: key, paper, defaults, constructor. */
public final class Methods {

    private static final Map<String, MethodDefinition> REGISTRY = new LinkedHashMap<>();

    static {
        register(new MethodDefinition(
                "simclr",
                "https://arxiv.org/abs/2002.05709",
                MethodDefaults.builder()
                        // CPU budget: Adam converges in the few hundred steps a 2-core run affords;
                        // the paper's LARS lr 0.3 x batch/256 needs the optimizers issue and hundreds of epochs.
                        // T = 0.1, the paper's ImageNet default: on our CIFAR-subset validation split
                        // (batches 1-4 -> 5, 10 epochs) k-NN 41.9% at T 0.1 vs 40.9% at T 0.2.
                        .optimizer("adam", 1e-3, 0.9, 1e-6)
                        .warmupEpochs(1)
                        .temperature(0.1)
                        .projector(0, 128) // hidden 0 = the encoder's feature width
                        .recipe("simclr")
                        .build(),
                SimClr::new));
    }

    private Methods() {}

    private static void register(MethodDefinition definition) {
        REGISTRY.put(definition.key(), definition);
    }

    public static List<String> keys() {
        return List.copyOf(REGISTRY.keySet());
    }

    /** @throws IllegalArgumentException naming the value and the allowed keys */
    public static MethodDefinition get(String key) {
        MethodDefinition definition = REGISTRY.get(key);
        if (definition == null) {
            throw new IllegalArgumentException(
                    "method '" + key + "' is not known; allowed: " + String.join(", ", keys()));
        }
        return definition;
    }

    /**
     * @param key the value of --method
     * @param paper link to the paper the implementation follows
     */
    public record MethodDefinition(
            String key, String paper, MethodDefaults defaults, Function<MethodContext, SslMethod> factory) {

        public SslMethod create(MethodContext context) {
            return factory.apply(context);
        }
    }
}
