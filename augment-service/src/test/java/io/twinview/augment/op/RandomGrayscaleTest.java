package io.twinview.augment.op;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RandomGrayscaleTest {

    @Test
    void knownPixelBecomesItsRoundedLumaOnAllThreeChannels() {
        // 0.299*100 + 0.587*150 + 0.114*200 = 140.75 -> 141
        byte[] img = {100, (byte) 150, (byte) 200};
        RandomGrayscale.toGrayscale(img, 0, 1);
        assertArrayEquals(new byte[] {(byte) 141, (byte) 141, (byte) 141}, img);
    }

    @Test
    void primariesWeighByItuR601AndWhiteStaysWhite() {
        byte[] img = {(byte) 255, 0, 0, 0, (byte) 255, 0, 0, 0, (byte) 255, (byte) 255, (byte) 255, (byte) 255, 0, 0, 0
        };
        RandomGrayscale.toGrayscale(img, 0, 5);
        assertArrayEquals(
                new byte[] {
                    76,
                    76,
                    76,
                    (byte) 150,
                    (byte) 150,
                    (byte) 150,
                    29,
                    29,
                    29,
                    (byte) 255,
                    (byte) 255,
                    (byte) 255,
                    0,
                    0,
                    0
                },
                img,
                "0.299*255=76.2, 0.587*255=149.7, 0.114*255=29.1");
    }

    @Test
    void appliesWithTheGivenProbability() {
        SplittableRandom rng = new SplittableRandom(5);
        int applied = 0;
        for (int i = 0; i < 10_000; i++) {
            byte[] img = {10, 20, 30};
            new RandomGrayscale(0.2).apply(Canvas.inPlace(img, 0, 1, 1), rng);
            if (img[0] != 10) {
                applied++;
                assertArrayEquals(new byte[] {18, 18, 18}, img, "applied: the luma on all three channels");
            } else {
                assertArrayEquals(new byte[] {10, 20, 30}, img, "not applied: untouched");
            }
        }
        assertTrue(applied > 1850 && applied < 2150, "p=0.2 converts about 2000 of 10000, got " + applied);
    }
}
