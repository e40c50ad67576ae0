package io.twinview.augment.op;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SolarizeTest {

    @Test
    void valuesAtOrAboveTheThresholdAreInvertedPerChannel() {
        byte[] img = {(byte) 200, 100, (byte) 128, 127, 0, (byte) 255};
        Solarize.solarize(img, 0, 2);
        assertArrayEquals(
                new byte[] {55, 100, (byte) 127, 127, 0, 0},
                img,
                "200 -> 55, 128 -> 127, 255 -> 0; 100, 127 and 0 stay (PIL ImageOps.solarize at 128)");
    }

    @Test
    void touchesOnlyItsPixels() {
        byte[] img = {(byte) 200, (byte) 200, (byte) 200, (byte) 200, (byte) 200, (byte) 200, (byte) 200};
        Solarize.solarize(img, 3, 1);
        assertArrayEquals(new byte[] {(byte) 200, (byte) 200, (byte) 200, 55, 55, 55, (byte) 200}, img);
    }

    @Test
    void appliesWithTheGivenProbabilityAndDrawsOnceEitherWay() {
        SplittableRandom rng = new SplittableRandom(5);
        SplittableRandom twin = new SplittableRandom(5);
        int applied = 0;
        for (int i = 0; i < 10_000; i++) {
            byte[] img = {(byte) 200, 20, (byte) 130};
            new Solarize(0.2).apply(Canvas.inPlace(img, 0, 1, 1), rng);
            if (img[0] != (byte) 200) {
                applied++;
                assertArrayEquals(new byte[] {55, 20, 125}, img);
            } else {
                assertArrayEquals(new byte[] {(byte) 200, 20, (byte) 130}, img, "not applied: untouched");
            }
            twin.nextDouble();
        }
        assertTrue(applied > 1850 && applied < 2150, "p=0.2 solarizes about 2000 of 10000, got " + applied);
        assertEquals(
                twin.nextLong(), rng.nextLong(), "one draw per call whatever the outcome, so later draws stay put");
    }

    @Test
    void probabilityOutsideTheUnitIntervalIsRejected() {
        assertEquals(
                "solarize probability must be in [0, 1], got 1.5",
                assertThrows(IllegalArgumentException.class, () -> new Solarize(1.5))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Solarize(Double.NaN));
    }
}
