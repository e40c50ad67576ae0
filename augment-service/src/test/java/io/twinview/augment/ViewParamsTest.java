package io.twinview.augment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.RecordComponent;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ViewParamsTest {

    /** Asserts each field of {@code p} by its name; a field {@code expected} does not name fails, so none is skipped. */
    private static void assertFields(Map<String, Double> expected, ViewParams p, String what) throws Exception {
        for (RecordComponent field : ViewParams.class.getRecordComponents()) {
            assertTrue(expected.containsKey(field.getName()), "the test names a value for " + field.getName());
            assertEquals(expected.get(field.getName()), field.getAccessor().invoke(p), what + ": " + field.getName());
        }
    }

    @Test
    void everySetterLandsInTheFieldOfItsName() throws Exception {
        ViewParams p = ViewParamsFixtures.distinct();
        assertFields(
                Map.ofEntries(
                        Map.entry("cropScaleMin", 0.11),
                        Map.entry("cropScaleMax", 0.91),
                        Map.entry("cropRatioMin", 0.71),
                        Map.entry("cropRatioMax", 1.41),
                        Map.entry("flipProbability", 0.31),
                        Map.entry("jitterProbability", 0.61),
                        Map.entry("brightness", 0.21),
                        Map.entry("contrast", 0.22),
                        Map.entry("saturation", 0.23),
                        Map.entry("hue", 0.04),
                        Map.entry("grayscaleProbability", 0.17),
                        Map.entry("solarizeProbability", 0.13),
                        Map.entry("blurProbability", 0.41),
                        Map.entry("blurSigmaMin", 0.42),
                        Map.entry("blurSigmaMax", 1.43),
                        Map.entry("blurKernelFraction", 0.14)),
                p,
                "set by name");
    }

    @Test
    void defaultsTurnEveryRandomOpOff() throws Exception {
        ViewParams p = ViewParams.builder().build();
        // the whole image at its own aspect ratio; SimCLR's blur sigma range and kernel (10% of the
        // side), ready for when blur is switched on; every probability and jitter strength 0
        Map<String, Double> notZero = Map.of(
                "cropScaleMin",
                1.0,
                "cropScaleMax",
                1.0,
                "cropRatioMin",
                1.0,
                "cropRatioMax",
                1.0,
                "blurSigmaMin",
                0.1,
                "blurSigmaMax",
                2.0,
                "blurKernelFraction",
                0.1);
        for (RecordComponent field : ViewParams.class.getRecordComponents()) {
            assertEquals(
                    notZero.getOrDefault(field.getName(), 0.0),
                    field.getAccessor().invoke(p),
                    "default " + field.getName());
        }
        new ViewPipeline(p, 32); // every op accepts the defaults
    }
}
