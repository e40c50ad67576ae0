package io.twinview.trainer.method;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import io.twinview.proto.v1.RunSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The one place methods are registered. Each method class declares its definition (key, paper,
 * recipe, settings, constructor) next to its code; this list makes it selectable with {@code --method}.
 */
public final class Methods {

    private static final List<MethodDefinition<?>> ALL = List.of(
            SimClr.DEFINITION,
            MoCo.V1,
            MoCo.V2,
            Byol.DEFINITION,
            SimSiam.DEFINITION,
            BarlowTwins.DEFINITION,
            BarlowTwins.MEAN_DEFINITION,
            DirectPred.DEFINITION,
            VicReg.DEFINITION);

    private static final Map<String, MethodDefinition<?>> REGISTRY = new LinkedHashMap<>();

    static {
        for (MethodDefinition<?> definition : ALL) {
            if (REGISTRY.put(definition.key(), definition) != null) {
                throw new IllegalStateException("method key registered twice: " + definition.key());
            }
            checkSettings(definition);
        }
    }

    /**
     * A method's settings are its field of RunSpec's oneof, with a projector, and a declared range for
     * every int and double field of their own (and no range for a field that does not exist).
     */
    private static void checkSettings(MethodDefinition<?> definition) {
        FieldDescriptor field = definition.field();
        Descriptor type = definition.defaults().getDescriptorForType();
        if (field == null
                || field.getContainingOneof() == null
                || !field.getContainingOneof().getName().equals("method_settings")
                || field.getMessageType() != type) {
            throw new IllegalStateException(
                    "method " + definition.key() + " needs a field '" + definition.settingsField() + "' of type "
                            + type.getName() + " in RunSpec's method_settings oneof (run.proto)");
        }
        if (type.findFieldByName("projector") == null) {
            throw new IllegalStateException(type.getName() + " has no projector");
        }
        Set<String> scalars = new TreeSet<>();
        for (FieldDescriptor setting : type.getFields()) {
            if (setting.getJavaType() == FieldDescriptor.JavaType.INT
                    || setting.getJavaType() == FieldDescriptor.JavaType.DOUBLE) {
                scalars.add(setting.getName());
            }
        }
        if (!scalars.equals(new TreeSet<>(definition.checks().keySet()))) {
            throw new IllegalStateException("method " + definition.key() + " declares ranges for "
                    + new TreeSet<>(definition.checks().keySet()) + ", its settings' numbers are " + scalars);
        }
    }

    private Methods() {}

    public static List<String> keys() {
        return List.copyOf(REGISTRY.keySet());
    }

    /** @throws IllegalArgumentException naming the value and the allowed keys */
    public static MethodDefinition<?> get(String key) {
        MethodDefinition<?> definition = REGISTRY.get(key);
        if (definition == null) {
            throw new IllegalArgumentException(
                    "method '" + key + "' is not known; allowed: " + String.join(", ", keys()));
        }
        return definition;
    }

    /** The method whose settings a spec holds, if any: the set field of its method_settings oneof. */
    public static String settingsFieldOf(RunSpec spec) {
        FieldDescriptor set = spec.getOneofFieldDescriptor(RunSpec.getDescriptor().getOneofs().stream()
                .filter(oneof -> oneof.getName().equals("method_settings"))
                .findFirst()
                .orElseThrow());
        return set == null ? "" : set.getName();
    }
}
