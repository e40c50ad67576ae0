package io.twinview.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.proto.v1.RunSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** path=value overrides reach nested fields of a RunSpec, and a bad one names what is wrong. */
class FieldOverridesTest {

    @Test
    void setsScalarsOfNestedMessagesByTheirProtoNames() {
        RunSpec.Builder spec = RunSpec.newBuilder().setMethod("mocov2");
        FieldOverrides.apply(
                spec,
                List.of(
                        "mocov2.momentum=0.99",
                        "mocov2.queue_size=1024",
                        "optimizer.name=sgd",
                        "epochs=7",
                        "mocov2.projector.layers=3",
                        "seed=42",
                        "mocov2.momentum=0.95"));
        RunSpec built = spec.build();
        assertEquals(0.95, built.getMocov2().getMomentum(), "a later override of the same path wins");
        assertEquals(1024, built.getMocov2().getQueueSize());
        assertEquals("sgd", built.getOptimizer().getName());
        assertEquals(7, built.getEpochs());
        assertEquals(3, built.getMocov2().getProjector().getLayers(), "a field two messages deep");
        assertEquals(42, built.getSeed());
        assertEquals("mocov2", built.getMethod(), "fields not named are left as they were");
        assertTrue(built.hasEpochs() && built.getMocov2().hasQueueSize(), "optional fields become present");
        assertTrue(built.hasMocov2(), "a method's settings message becomes the set field of its oneof");
    }

    @Test
    void anUnknownFieldIsRefusedWithTheFieldsThatExist() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> FieldOverrides.apply(RunSpec.newBuilder(), List.of("mocov2.momentun=0.9")));
        assertTrue(
                e.getMessage().contains("no field 'momentun'") && e.getMessage().contains("momentum"), e.getMessage());
    }

    @Test
    void aValueOfTheWrongTypeIsRefusedNamingFieldAndValue() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> FieldOverrides.apply(RunSpec.newBuilder(), List.of("mocov2.queue_size=many")));
        assertTrue(
                e.getMessage().contains("twinview.v1.MoCoSettings.queue_size")
                        && e.getMessage().contains("'many'"),
                e.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> FieldOverrides.apply(RunSpec.newBuilder(), List.of("byol.predictor.fixed_lr=yes")),
                "booleans are true or false only");
    }

    @Test
    void malformedOverridesAndWholeMessagesAreRefused() {
        assertThrows(
                IllegalArgumentException.class,
                () -> FieldOverrides.apply(RunSpec.newBuilder(), List.of("byol.tau_base")),
                "no '='");
        assertThrows(
                IllegalArgumentException.class,
                () -> FieldOverrides.apply(RunSpec.newBuilder(), List.of("byol=1")),
                "a message is not a value");
        assertThrows(
                IllegalArgumentException.class,
                () -> FieldOverrides.apply(RunSpec.newBuilder(), List.of("method.x=1")),
                "a string has no sub-fields");
    }
}
