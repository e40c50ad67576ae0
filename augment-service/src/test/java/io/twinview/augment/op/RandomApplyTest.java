package io.twinview.augment.op;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RandomApplyTest {

    @Test
    void appliesWithTheGivenProbabilityAfterOneDrawOfItsOwn() {
        int[] calls = {0};
        ImageOp counted = (image, rng) -> calls[0]++;
        SplittableRandom rng = new SplittableRandom(7);
        SplittableRandom twin = new SplittableRandom(7);
        RandomApply op = new RandomApply("test", 0.8, counted);
        for (int i = 0; i < 10_000; i++) {
            op.apply(null, rng);
            twin.nextDouble();
        }
        assertTrue(calls[0] > 7850 && calls[0] < 8150, "p=0.8 applies about 8000 of 10000, got " + calls[0]);
        assertEquals(twin.nextLong(), rng.nextLong(), "one draw per call whatever the outcome");
        new RandomApply("test", 0, counted).apply(null, rng);
        new RandomApply("test", 1, (image, r) -> calls[0] = -1).apply(null, rng);
        assertEquals(-1, calls[0], "p=1 always applies");
    }

    @Test
    void probabilityOutsideTheUnitIntervalIsRejectedNamingTheOp() {
        assertEquals(
                "jitter probability must be in [0, 1], got 1.5",
                assertThrows(IllegalArgumentException.class, () -> new RandomApply("jitter", 1.5, (i, r) -> {}))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> RandomApply.probability("flip", Double.NaN));
        assertEquals(0.25, RandomApply.probability("flip", 0.25));
    }
}
