package io.twinview.eval.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FeaturesTest {

    @Test
    void wellFormedFeaturesAreAccepted() {
        Features features = new Features(new float[][] {{1, 2}, {3, 4}}, new int[] {0, 1}, 2);
        assertEquals(2, features.size());
        assertEquals(2, features.dim());
    }

    /** A NaN encoder scored 100% on every probe: NaN compares false, so no class ever beat the true one. */
    @Test
    void nonFiniteFeaturesAreRejectedWithTheirPlace() {
        IllegalArgumentException nan = assertThrows(
                IllegalArgumentException.class,
                () -> new Features(new float[][] {{1, 2}, {3, Float.NaN}}, new int[] {0, 1}, 2));
        assertTrue(nan.getMessage().contains("feature 1 of row 1 is NaN"), nan.getMessage());
        IllegalArgumentException inf = assertThrows(
                IllegalArgumentException.class,
                () -> new Features(new float[][] {{Float.POSITIVE_INFINITY, 2}}, new int[] {0}, 2));
        assertTrue(inf.getMessage().contains("not finite"), inf.getMessage());
    }

    @Test
    void labelsOutsideTheClassesAreRejected() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> new Features(new float[][] {{1, 2}}, new int[] {2}, 2));
        assertTrue(e.getMessage().contains("label 2 of row 0"), e.getMessage());
    }
}
