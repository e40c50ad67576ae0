package io.twinview.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.augment.kafka.PolicyMapper;
import io.twinview.augment.op.GaussianBlur;
import io.twinview.augment.op.HorizontalFlip;
import io.twinview.augment.op.RandomGrayscale;
import io.twinview.augment.op.Solarize;
import io.twinview.core.data.Datasets;
import io.twinview.core.data.ImageDataset;
import io.twinview.proto.v1.AugmentRecipe;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class TwoViewAugmenterTest {

    static final TwoViewPolicy SIMCLR = PolicyMapper.toDomain(AugmentRecipe.getDefaultInstance());
    static final ImageDataset SHAPES = Datasets.open("synthetic:?n=256&seed=1");

    /** Crop of the whole image, nothing random applied (the builder's defaults). */
    static final ViewParams IDENTITY = ViewParams.builder().build();

    private static byte[][] views(TwoViewAugmenter augmenter, ImageDataset ds, int index, long seed, long epoch) {
        byte[] v1 = new byte[augmenter.viewBytes()];
        byte[] v2 = new byte[augmenter.viewBytes()];
        augmenter.augment(ds, index, seed, epoch, v1, 0, v2, 0);
        return new byte[][] {v1, v2};
    }

    @Test
    void sameInputsGiveTheSameBytesAcrossInstancesAndCalls() {
        TwoViewAugmenter a = new TwoViewAugmenter(SIMCLR, 32);
        TwoViewAugmenter b = new TwoViewAugmenter(SIMCLR, 32);
        for (int i = 0; i < 50; i++) {
            byte[][] first = views(a, SHAPES, i, 7, 3);
            views(a, SHAPES, (i * 31) % 256, 8, 1); // unrelated work in between must not matter
            byte[][] second = views(b, SHAPES, i, 7, 3);
            assertArrayEquals(first[0], second[0], "view 1 of sample " + i + " is a pure function of its inputs");
            assertArrayEquals(first[1], second[1], "view 2 of sample " + i + " is a pure function of its inputs");
        }
    }

    @Test
    void anyThreadCountGivesIdenticalPixels() throws Exception {
        TwoViewAugmenter augmenter = new TwoViewAugmenter(SIMCLR, 32);
        int n = 256;
        int bytes = augmenter.viewBytes();
        byte[] sequential1 = new byte[n * bytes];
        byte[] sequential2 = new byte[n * bytes];
        for (int i = 0; i < n; i++) {
            augmenter.augment(SHAPES, i, 99, 4, sequential1, i * bytes, sequential2, i * bytes);
        }
        byte[] parallel1 = new byte[n * bytes];
        byte[] parallel2 = new byte[n * bytes];
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    for (int i = n - 1 - thread; i >= 0; i -= 4) { // reversed, interleaved order
                        augmenter.augment(SHAPES, i, 99, 4, parallel1, i * bytes, parallel2, i * bytes);
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        assertArrayEquals(
                sequential1, parallel1, "4 threads in another order make the same view-1 batch as one thread");
        assertArrayEquals(
                sequential2, parallel2, "4 threads in another order make the same view-2 batch as one thread");
    }

    @Test
    void viewNumberEpochSeedAndIndexEachChangeThePixels() {
        TwoViewAugmenter augmenter = new TwoViewAugmenter(SIMCLR, 32);
        byte[][] base = views(augmenter, SHAPES, 5, 7, 3);
        assertFalse(Arrays.equals(base[0], base[1]), "the two views of one sample differ");
        assertFalse(Arrays.equals(base[0], views(augmenter, SHAPES, 5, 7, 4)[0]), "another epoch draws another view");
        assertFalse(
                Arrays.equals(base[0], views(augmenter, SHAPES, 5, 8, 3)[0]), "another run seed draws another view");
        assertFalse(
                Arrays.equals(base[0], views(augmenter, SHAPES, 15, 7, 3)[0]),
                "another sample (same class) gives another view");
    }

    @Test
    void viewSeedsDoNotCollideOnSmallInputs() {
        Set<Long> seeds = new HashSet<>();
        for (long seed = 0; seed < 4; seed++) {
            for (long epoch = 0; epoch < 8; epoch++) {
                for (long index = 0; index < 256; index++) {
                    for (int view = 1; view <= 2; view++) {
                        seeds.add(TwoViewAugmenter.viewSeed(seed, epoch, index, view));
                    }
                }
            }
        }
        assertEquals(4 * 8 * 256 * 2, seeds.size(), "swapping or shifting small inputs never gives the same seed");
        assertNotEquals(TwoViewAugmenter.viewSeed(0, 1, 0, 1), TwoViewAugmenter.viewSeed(0, 0, 1, 1));
    }

    @Test
    void identityPolicyReproducesTheSourceImage() {
        TwoViewAugmenter augmenter = new TwoViewAugmenter(new TwoViewPolicy("identity", IDENTITY, IDENTITY), 32);
        byte[] source = shape(3);
        byte[][] v = views(augmenter, SHAPES, 3, 1, 0);
        assertArrayEquals(source, v[0], "full crop, no flip, no jitter, no grayscale: the image itself");
        assertArrayEquals(source, v[1]);
    }

    @Test
    void solarizeComesLastAndOnlyInTheViewThatAsksForIt() {
        ViewParams solarized = ViewParams.builder().solarizeProbability(1).build();
        TwoViewAugmenter augmenter = new TwoViewAugmenter(new TwoViewPolicy("solarize-2", IDENTITY, solarized), 32);
        byte[] source = shape(3);
        byte[][] v = views(augmenter, SHAPES, 3, 1, 0);
        assertArrayEquals(source, v[0], "view 1 has solarize p=0: the image itself");
        byte[] expected = source.clone();
        Solarize.solarize(expected, 0, 32 * 32);
        assertArrayEquals(expected, v[1], "view 2 has solarize p=1: every value >= 128 inverted");
        assertFalse(Arrays.equals(source, v[1]), "the synthetic image has values >= 128, so solarize shows");
    }

    @Test
    void writesExactlyOneViewAtEachOffset() {
        TwoViewAugmenter augmenter = new TwoViewAugmenter(SIMCLR, 16);
        assertEquals(16 * 16 * 3, augmenter.viewBytes());
        byte[] v1 = new byte[3 * augmenter.viewBytes()];
        byte[] v2 = new byte[3 * augmenter.viewBytes()];
        Arrays.fill(v1, (byte) 0x5A);
        Arrays.fill(v2, (byte) 0x5A);
        augmenter.augment(SHAPES, 0, 1, 0, v1, augmenter.viewBytes(), v2, 2 * augmenter.viewBytes());
        for (int i = 0; i < augmenter.viewBytes(); i++) {
            assertEquals((byte) 0x5A, v1[i], "bytes before view 1's slot untouched");
            assertEquals((byte) 0x5A, v1[2 * augmenter.viewBytes() + i], "bytes after view 1's slot untouched");
            assertEquals((byte) 0x5A, v2[i], "bytes before view 2's slot untouched");
        }
        byte[][] alone = views(augmenter, SHAPES, 0, 1, 0);
        assertArrayEquals(
                alone[0],
                Arrays.copyOfRange(v1, augmenter.viewBytes(), 2 * augmenter.viewBytes()),
                "the offset does not change the view");
        assertArrayEquals(alone[1], Arrays.copyOfRange(v2, 2 * augmenter.viewBytes(), 3 * augmenter.viewBytes()));
        assertThrows(
                IndexOutOfBoundsException.class,
                () -> augmenter.augment(SHAPES, 0, 1, 0, v1, 3 * augmenter.viewBytes() - 1, v2, 0),
                "buffer too short");
        assertThrows(
                IndexOutOfBoundsException.class,
                () -> augmenter.augment(SHAPES, 256, 1, 0, v1, 0, v2, 0),
                "index past the dataset");
    }

    @Test
    void viewsOfOtherSizesThanTheSource() {
        ImageDataset big = Datasets.open("synthetic:?n=8&size=64");
        for (int out : new int[] {16, 32, 48, 96}) {
            TwoViewAugmenter augmenter = new TwoViewAugmenter(SIMCLR, out);
            byte[][] v = views(augmenter, big, 1, 2, 0);
            assertEquals(out * out * 3, v[0].length);
            assertTrue(distinctValues(v[0]) > 4, out + " px view has image content, not a constant");
        }
    }

    @Test
    void simclrViewsKeepValueRangeAndVaryColourAndGeometry() {
        TwoViewAugmenter augmenter = new TwoViewAugmenter(SIMCLR, 32);
        int grayViews = 0;
        double meanSum = 0;
        int count = 0;
        for (int i = 0; i < 200; i++) {
            for (byte[] v : views(augmenter, SHAPES, i, 0, 0)) {
                boolean gray = true;
                long sum = 0;
                for (int p = 0; p < v.length; p += 3) {
                    gray &= v[p] == v[p + 1] && v[p] == v[p + 2];
                    sum += (v[p] & 0xFF) + (v[p + 1] & 0xFF) + (v[p + 2] & 0xFF);
                }
                grayViews += gray ? 1 : 0;
                meanSum += sum / (double) v.length;
                count++;
            }
        }
        double grayFraction = grayViews / (double) count;
        assertTrue(grayFraction > 0.13 && grayFraction < 0.27, "about 20% of views are grayscale, got " + grayFraction);
        double mean = meanSum / count;
        assertTrue(
                mean > 90 && mean < 165,
                "augmentations do not shift the mean pixel far (random colours average ~127): " + mean);
    }

    @Test
    void flipProbabilityOneMirrorsTheSource() {
        ViewParams flipped = ViewParams.builder().flipProbability(1).build();
        TwoViewAugmenter augmenter = new TwoViewAugmenter(new TwoViewPolicy("flip", flipped, IDENTITY), 32);
        byte[] expected = shape(6);
        HorizontalFlip.flip(expected, 0, 32, 32);
        assertArrayEquals(expected, views(augmenter, SHAPES, 6, 1, 0)[0], "full crop and flip p=1: the mirrored image");
    }

    @Test
    void blurComesAfterGrayscaleAndBeforeSolarize() {
        // full crop, grayscale p=1, blur p=1 at sigma exactly 1.5 with a 9-px kernel (0.3 * 32 = 9.6), solarize p=1
        ViewParams all = ViewParams.builder()
                .grayscaleProbability(1)
                .solarizeProbability(1)
                .blurProbability(1)
                .blurSigmaMin(1.5)
                .blurSigmaMax(1.5)
                .blurKernelFraction(0.3)
                .build();
        TwoViewAugmenter augmenter = new TwoViewAugmenter(new TwoViewPolicy("order", all, IDENTITY), 32);
        byte[] expected = shape(4);
        RandomGrayscale.toGrayscale(expected, 0, 32 * 32);
        GaussianBlur.blur(expected, 0, 32, 32, 1.5, 9, new GaussianBlur.Workspace());
        Solarize.solarize(expected, 0, 32 * 32);
        assertArrayEquals(
                expected,
                views(augmenter, SHAPES, 4, 1, 0)[0],
                "crop, flip, jitter, grayscale, blur, solarize: torchvision's SimCLR/BYOL order");
    }

    @Test
    void blurringImagenetRecipesAreReproducibleAndBlurAboutHalfTheViews() {
        ImageDataset big = Datasets.open("synthetic:?n=16&size=96");
        TwoViewPolicy imagenet = PolicyMapper.toDomain(
                AugmentRecipe.newBuilder().setName("simclr").build(), 96);
        assertEquals(0.5, imagenet.view1().blurProbability(), "96 px resolves to SimCLR's ImageNet recipe");
        TwoViewAugmenter a = new TwoViewAugmenter(imagenet, 96);
        TwoViewAugmenter b = new TwoViewAugmenter(imagenet, 96);
        for (int i = 0; i < 16; i++) {
            byte[][] first = views(a, big, i, 3, 2);
            views(a, big, 15 - i, 4, 0);
            byte[][] second = views(b, big, i, 3, 2);
            assertArrayEquals(
                    first[0], second[0], "blurred view 1 of sample " + i + " is a pure function of its inputs");
            assertArrayEquals(
                    first[1], second[1], "blurred view 2 of sample " + i + " is a pure function of its inputs");
        }
    }

    @Test
    void decodedImageOverloadMakesTheSameViewsAsTheDataset() {
        TwoViewAugmenter augmenter = new TwoViewAugmenter(SIMCLR, 32);
        byte[] image = new byte[7 + SHAPES.imageBytes()];
        SHAPES.readImage(9, image, 7);
        byte[] v1 = new byte[augmenter.viewBytes()];
        byte[] v2 = new byte[augmenter.viewBytes()];
        augmenter.augment(image, 7, 32, 32, 9, 5, 1, v1, 0, v2, 0);
        byte[][] fromDataset = views(augmenter, SHAPES, 9, 5, 1);
        assertArrayEquals(fromDataset[0], v1, "same sample, seed and epoch: same view 1 whoever decoded it");
        assertArrayEquals(fromDataset[1], v2);
    }

    private static int distinctValues(byte[] b) {
        Set<Byte> set = new HashSet<>();
        for (byte x : b) {
            set.add(x);
        }
        return set.size();
    }

    /** The synthetic shape at {@code index}, as the dataset stores it. */
    private static byte[] shape(int index) {
        byte[] image = new byte[SHAPES.imageBytes()];
        SHAPES.readImage(index, image, 0);
        return image;
    }
}
