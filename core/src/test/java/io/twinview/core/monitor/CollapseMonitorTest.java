package io.twinview.core.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalDouble;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CollapseMonitorTest {

    private static float[] gaussian(int n, int d, long seed) {
        Random random = new Random(seed);
        float[] z = new float[n * d];
        for (int i = 0; i < z.length; i++) {
            z[i] = (float) random.nextGaussian();
        }
        return z;
    }

    @Test
    void spreadEmbeddingsAreHealthy() {
        int d = 32;
        CollapseMonitor.Reading reading = CollapseMonitor.read(gaussian(512, d, 1), d, OptionalDouble.empty());
        assertEquals(1.0, reading.stdNormalized(), 0.1, "isotropic embeddings have std about 1/sqrt(d) per dimension");
        assertTrue(reading.effectiveRank() > 0.8 * d, "and nearly full effective rank: " + reading.effectiveRank());
        assertFalse(reading.collapsed(), "no warning: " + reading.warning());
    }

    @Test
    void identicalEmbeddingsAreCollapsed() {
        int d = 16;
        float[] z = new float[64 * d];
        for (int i = 0; i < z.length; i++) {
            z[i] = (i % d) * 0.1f + 1; // every row the same vector
        }
        CollapseMonitor.Reading reading = CollapseMonitor.read(z, d, OptionalDouble.empty());
        assertEquals(0.0, reading.std(), 1e-6, "every image at the same point: zero spread");
        assertEquals(1.0, reading.effectiveRank(), 1e-6, "rank one");
        assertTrue(reading.collapsed() && reading.warning().startsWith("COLLAPSE"), reading.warning());
    }

    @Test
    void effectiveRankCountsTheDirectionsUsed() {
        int n = 256;
        int d = 8;
        float[] z = new float[n * d];
        Random random = new Random(3);
        for (int i = 0; i < n; i++) {
            z[i * d] = (float) random.nextGaussian(); // two equally strong directions, six empty ones
            z[i * d + 1] = (float) random.nextGaussian();
        }
        assertEquals(2.0, CollapseMonitor.effectiveRank(z, n, d), 0.1, "two equal singular values: effective rank 2");
    }

    @Test
    void alignmentIsOneForSharedEigenvectorsAndLowerOtherwise() {
        int d = 3;
        double c = Math.cos(0.7);
        double s = Math.sin(0.7);
        // F = R diag(3, 2, 1) R^T with R a rotation about the z axis
        double[] f = {3 * c * c + 2 * s * s, (3 - 2) * c * s, 0, (3 - 2) * c * s, 3 * s * s + 2 * c * c, 0, 0, 0, 1};
        double[] sameBasis = {
            5 * c * c + 1 * s * s, (5 - 1) * c * s, 0, (5 - 1) * c * s, 5 * s * s + 1 * c * c, 0, 0, 0, 4
        };
        assertEquals(
                1.0,
                CollapseMonitor.alignment(sameBasis, f, d),
                1e-9,
                "W = R diag(5, 1, 4) R^T is diagonal in F's eigenbasis");
        double[] otherBasis = {1, 0.5, 0.5, 0.5, 1, 0.5, 0.5, 0.5, 1};
        assertTrue(CollapseMonitor.alignment(otherBasis, f, d) < 0.9, "a W with other eigenvectors is not aligned");
    }

    @Test
    void linearMapRecoversALinearPredictor() {
        int n = 200;
        int in = 4;
        int out = 3;
        float[] x = gaussian(n, in, 5);
        double[] w = {1, 2, 0, -1, 0.5, 0, 3, 0, -2, 1, 1, 1}; // (out, in)
        float[] y = new float[n * out];
        for (int i = 0; i < n; i++) {
            for (int o = 0; o < out; o++) {
                double v = 0;
                for (int k = 0; k < in; k++) {
                    v += w[o * in + k] * x[i * in + k];
                }
                y[i * out + o] = (float) v;
            }
        }
        double[] fitted = CollapseMonitor.linearMap(x, y, n, in, out);
        for (int i = 0; i < w.length; i++) {
            assertEquals(w[i], fitted[i], 1e-3, "least squares recovers entry " + i);
        }
    }
}
