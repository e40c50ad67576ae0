package io.twinview.model.onnx;

import io.twinview.core.data.Datasets;
import io.twinview.core.data.ImageDataset;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Real images for the export tests: the first images of the CIFAR-10 subset in
 * {@code ${twinview.shared.dir}/datasets/cifar10-subset}, decoded by core's reader, or generated
 * shape images ({@code synthetic:}) where the subset is absent. Larger sizes are the 32 px images
 * enlarged by pixel repetition, so 96 px inputs still carry photographs.
 */
record TestImages(String source, byte[] pixels, int count, int size) {

    static TestImages load(int count, int size) {
        String shared = System.getProperty("twinview.shared.dir");
        Path subset = shared == null ? null : Path.of(shared, "datasets", "cifar10-subset");
        String uri = subset != null && Files.isRegularFile(subset.resolve("data_batch_1.bin"))
                ? "cifar10:" + subset + "?batches=1"
                : "synthetic:?n=" + count + "&size=32";
        ImageDataset data = Datasets.open(uri);
        int side = data.height();
        if (size % side != 0) {
            throw new IllegalArgumentException("size must be a multiple of " + side + ", was " + size);
        }
        int repeat = size / side;
        byte[] small = new byte[data.imageBytes()];
        byte[] pixels = new byte[count * size * size * 3]; // (count, size, size, 3) HWC
        for (int i = 0; i < count; i++) {
            data.readImage(i, small, 0);
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    int src = ((y / repeat) * side + x / repeat) * 3;
                    int dst = ((i * size + y) * size + x) * 3;
                    System.arraycopy(small, src, pixels, dst, 3);
                }
            }
        }
        return new TestImages(uri, pixels, count, size);
    }
}
