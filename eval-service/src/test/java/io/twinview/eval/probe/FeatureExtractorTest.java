package io.twinview.eval.probe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.twinview.core.data.Datasets;
import io.twinview.core.data.ImageDataset;
import io.twinview.model.EncoderKind;
import io.twinview.model.Encoders;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FeatureExtractorTest {

    private static final ImageDataset DATA = Datasets.open("synthetic:?n=64");

    @Test
    void givesOneRowOfEncoderFeaturesPerImageWithItsLabel() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block encoder = Encoders.create(EncoderKind.SMALL, 1, 32, manager);
            Features features = new FeatureExtractor(24).extract(encoder, DATA, 32, manager);
            assertEquals(64, features.size(), "one row per image");
            assertEquals(EncoderKind.SMALL.featureDim(), features.dim(), "the small encoder gives 256 features");
            assertEquals(256, features.dim(), "(n, 256)");
            for (int i = 0; i < 64; i++) {
                assertEquals(DATA.label(i), features.labels()[i], "label of image " + i + " in dataset order");
            }
            assertEquals(DATA.classCount(), features.classCount(), "class count of the dataset");
            assertTrue(
                    Arrays.stream(features.values())
                            .allMatch(row -> Arrays.stream(toDoubles(row)).allMatch(Double::isFinite)),
                    "features are finite");
            assertTrue(
                    manager.getManagedArrays().size() < 64,
                    "per-batch arrays are closed with their batch, found "
                            + manager.getManagedArrays().size());
        }
    }

    @Test
    void isDeterministicAndRandomInitIsAFunctionOfTheSeed() {
        try (NDManager manager = NDManager.newBaseManager()) {
            FeatureExtractor extractor = new FeatureExtractor();
            Block first = Encoders.create(EncoderKind.SMALL, 7, 32, manager);
            Block second = Encoders.create(EncoderKind.SMALL, 7, 32, manager);
            Block otherSeed = Encoders.create(EncoderKind.SMALL, 8, 32, manager);
            Features a = extractor.extract(first, DATA, 32, manager);
            Features again = extractor.extract(first, DATA, 32, manager);
            Features b = extractor.extract(second, DATA, 32, manager);
            Features c = extractor.extract(otherSeed, DATA, 32, manager);
            for (int i = 0; i < DATA.size(); i++) {
                assertArrayEquals(
                        a.values()[i], again.values()[i], "the same encoder twice: identical features of image " + i);
                assertArrayEquals(
                        a.values()[i],
                        b.values()[i],
                        "two Encoders.create with seed 7: identical random-init features of image " + i);
            }
            assertFalse(
                    Arrays.equals(a.values()[0], c.values()[0]), "another seed gives other weights, other features");
        }
    }

    @Test
    void usesBatchNormRunningStatisticsSoBatchingDoesNotMatter() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block encoder = Encoders.create(EncoderKind.SMALL, 3, 32, manager);
            Features whole = new FeatureExtractor(64).extract(encoder, DATA, 32, manager);
            Features single = new FeatureExtractor(1).extract(encoder, DATA, 32, manager);
            for (int i = 0; i < DATA.size(); i += 9) {
                assertArrayEquals(
                        whole.values()[i],
                        single.values()[i],
                        1e-4f,
                        "inference mode: image " + i + " gets the same features in a batch of 64 or alone");
            }
        }
    }

    @Test
    void aSetOfAnotherSizeIsFedAtTheRunsSizeThroughTheEmbedServicesTransform() {
        ImageDataset large = Datasets.open("synthetic:?n=6&size=48");
        try (NDManager manager = NDManager.newBaseManager()) {
            Block encoder = Encoders.create(EncoderKind.SMALL, 3, 32, manager);
            Features features = new FeatureExtractor(4).extract(encoder, large, 32, manager);
            byte[] source = new byte[large.imageBytes()];
            for (int i = 0; i < large.size(); i++) {
                large.readImage(i, source, 0);
                byte[] resized = EvalResize.toSize(source, 48, 48, 32);
                assertEquals(32 * 32 * 3, resized.length, "48 px resized and centre-cropped to 32 px");
                float[][] row = FeatureExtractor.features(encoder, resized, 1, 32, 32, manager);
                assertArrayEquals(
                        row[0],
                        features.values()[i],
                        1e-5f,
                        "image " + i + ": the probe's features are those of the image brought to the run's size");
            }
        }
    }

    private static double[] toDoubles(float[] row) {
        double[] out = new double[row.length];
        for (int i = 0; i < row.length; i++) {
            out[i] = row[i];
        }
        return out;
    }
}
