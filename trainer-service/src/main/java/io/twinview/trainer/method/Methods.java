package io.twinview.trainer.method;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The one place methods are registered. Each method class declares its definition (key, paper,
 * defaults, constructor) next to its code; this list makes it selectable with {@code --method}.
 */
public final class Methods {

    private static final List<MethodDefinition> ALL = List.of(
            SimClr.DEFINITION,
            Byol.DEFINITION, SimSiam.DEFINITION,
            MoCo.V1, MoCo.V2,
            BarlowTwins.DEFINITION, BarlowTwins.MEAN_DEFINITION, DirectPred.DEFINITION);

    private static final Map<String, MethodDefinition> REGISTRY = new LinkedHashMap<>();

    static {
        for (MethodDefinition definition : ALL) {
            if (REGISTRY.put(definition.key(), definition) != null) {
                throw new IllegalStateException("method key registered twice: " + definition.key());
            }
        }
    }

    private Methods() {}

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
     * @param defaults the CPU-budget recipe a run gets for every field it leaves unset
     */
    public record MethodDefinition(
            String key, String paper, MethodDefaults defaults, Function<MethodContext, SslMethod> factory) {

        public SslMethod create(MethodContext context) {
            return factory.apply(context);
        }
    }
}
