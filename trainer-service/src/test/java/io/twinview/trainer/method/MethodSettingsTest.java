package io.twinview.trainer.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.twinview.proto.FieldOverrides;
import io.twinview.proto.v1.ByolSettings;
import io.twinview.proto.v1.MoCoSettings;
import io.twinview.proto.v1.RunSpec;
import io.twinview.trainer.run.InvalidRunSpecException;
import io.twinview.trainer.run.RunSpecs;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Each method's own settings: defaults, overrides by path, every field checked, the resolved spec complete. */
class MethodSettingsTest {

    static Stream<String> methods() {
        return Methods.keys().stream();
    }

    /** Every scalar of the settings, nested messages included, is present: the spec alone reproduces the run. */
    static void assertComplete(String method, Message settings) {
        for (FieldDescriptor field : settings.getDescriptorForType().getFields()) {
            assertTrue(settings.hasField(field), method + ": " + field.getFullName() + " is resolved");
            if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                assertComplete(method, (Message) settings.getField(field));
            }
        }
    }

    /** Paths of every int and double field of a settings message, relative to it (e.g. projector.hidden_dim). */
    private static List<String> numericPaths(com.google.protobuf.Descriptors.Descriptor type, String prefix) {
        List<String> paths = new ArrayList<>();
        for (FieldDescriptor field : type.getFields()) {
            switch (field.getJavaType()) {
                case MESSAGE -> paths.addAll(numericPaths(field.getMessageType(), prefix + field.getName() + "."));
                case INT, DOUBLE -> paths.add(prefix + field.getName());
                default -> {}
            }
        }
        return paths;
    }

    private static InvalidRunSpecException refused(String method, String override) {
        RunSpec.Builder spec = RunSpec.newBuilder()
                .setMethod(method)
                .setDatasetUri(MethodFixtures.DATASET)
                .setBatchSize(8);
        FieldOverrides.apply(spec, List.of(override));
        return assertThrows(
                InvalidRunSpecException.class, () -> RunSpecs.resolve(spec.build()), override + " is refused");
    }

    /** No field goes unchecked: a negative number and NaN fail for each, naming the field's path. */
    @ParameterizedTest
    @MethodSource("methods")
    void everyNumericFieldIsChecked(String method) {
        MethodDefinition<?> definition = Methods.get(method);
        List<String> paths = numericPaths(definition.defaults().getDescriptorForType(), "");
        assertTrue(paths.size() >= 3, method + " has settings: " + paths);
        for (String path : paths) {
            String field = definition.settingsField() + "." + path;
            FieldDescriptor leaf = leaf(definition.defaults().getDescriptorForType(), path);
            List<String> bad =
                    leaf.getJavaType() == FieldDescriptor.JavaType.INT ? List.of("-1") : List.of("-1", "NaN");
            for (String value : bad) {
                InvalidRunSpecException e = refused(method, field + "=" + value);
                assertEquals(field, e.field(), method + ": the error names " + field + ": " + e.getMessage());
                assertTrue(e.getMessage().contains("not valid"), "and says what is allowed: " + e.getMessage());
            }
        }
    }

    private static FieldDescriptor leaf(com.google.protobuf.Descriptors.Descriptor type, String path) {
        String[] names = path.split("\\.");
        for (int i = 0; i < names.length - 1; i++) {
            type = type.findFieldByName(names[i]).getMessageType();
        }
        return type.findFieldByName(names[names.length - 1]);
    }

    @Test
    void aSetFieldOverridesItsDefaultAndTheOthersKeepTheirs() {
        ByolSettings byol =
                (ByolSettings) MethodFixtures.settings("byol", "byol.tau_base=0.99", "byol.predictor.hidden_dim=64");
        ByolSettings defaults = Byol.DEFINITION.defaults();
        assertEquals(0.99, byol.getTauBase(), "the set field");
        assertEquals(64, byol.getPredictor().getHiddenDim(), "a set field of a nested message");
        assertEquals(
                defaults.getPredictor().getLrScale(),
                byol.getPredictor().getLrScale(),
                "its sibling keeps the default");
        assertEquals(
                defaults.getProjector().getOutputDim(), byol.getProjector().getOutputDim(), "other fields keep theirs");
        assertEquals(256, byol.getProjector().getHiddenDim(), "an unset projector width is the small encoder's");
    }

    @Test
    void settingsOfAnotherMethodAreRefusedNamingBoth() {
        InvalidRunSpecException e = refused("simclr", "byol.tau_base=0.99");
        assertEquals("byol", e.field());
        assertTrue(e.getMessage().contains("simclr") && e.getMessage().contains("simclr.*"), e.getMessage());
    }

    @Test
    void crossFieldChecksNameTheFieldAndTheBatch() {
        InvalidRunSpecException queue = refused("mocov2", "mocov2.queue_size=100");
        assertEquals("mocov2.queue_size", queue.field());
        assertTrue(queue.getMessage().contains("multiple of batch_size (8)"), queue.getMessage());
        InvalidRunSpecException splits = refused("mocov1", "mocov1.key_bn_splits=3");
        assertEquals("mocov1.key_bn_splits", splits.field());
        assertTrue(splits.getMessage().contains("divisor of batch_size (8)"), splits.getMessage());
        MoCoSettings ok =
                (MoCoSettings) MethodFixtures.settings("mocov2", "mocov2.queue_size=64", "mocov2.key_bn_splits=4");
        assertEquals(64, ok.getQueueSize(), "a multiple of the batch is kept");
    }

    @Test
    void anUnknownPathListsTheFieldsThatExist() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> FieldOverrides.apply(RunSpec.newBuilder(), List.of("byol.tau=0.99")));
        assertTrue(e.getMessage().contains("'tau'") && e.getMessage().contains("tau_base"), e.getMessage());
    }

    @Test
    void everyMethodHasItsOwnFieldInTheOneof() {
        List<String> fields = RunSpec.getDescriptor().getOneofs().stream()
                .filter(oneof -> oneof.getName().equals("method_settings"))
                .flatMap(oneof -> oneof.getFields().stream())
                .map(FieldDescriptor::getName)
                .toList();
        assertEquals(
                Methods.keys().stream().map(key -> key.replace('-', '_')).toList(),
                fields,
                "one settings field per registered method, in registry order, and no orphan");
    }
}
