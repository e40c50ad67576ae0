package io.twinview.augment;

import java.nio.file.Path;

import io.twinview.augment.kafka.PolicyMapper;
import io.twinview.core.data.Datasets;
import io.twinview.core.data.ImageDataset;
import io.twinview.proto.v1.AugmentRecipe;

/**
 * Throughput of {@link TwoViewAugmenter} with the simclr recipe at 32 px, one thread: prints
 * views per second (two per sample). Not a test; run it by hand:
 * <pre>
 * ./mvnw -B -q -pl augment-service test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp augment-service/target/test-classes:augment-service/target/classes:$(cat augment-service/target/cp.txt) \
 *     io.twinview.augment.AugmentBenchmark [dataset-uri] [seconds]
 * </pre>
 * The default dataset is the CIFAR-10 subset under {@code ${twinview.shared.dir:-../shared}/datasets}.
 */
public final class AugmentBenchmark {

    public static void main(String[] args) {
        String shared = System.getProperty("twinview.shared.dir", "../shared");
        String uri = args.length > 0 ? args[0] : "cifar10:" + Path.of(shared, "datasets", "cifar10-subset");
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 5;
        ImageDataset dataset = Datasets.open(uri);
        TwoViewAugmenter augmenter = new TwoViewAugmenter(PolicyMapper.toDomain(AugmentRecipe.getDefaultInstance()), 32);
        byte[] view1 = new byte[augmenter.viewBytes()];
        byte[] view2 = new byte[augmenter.viewBytes()];
        byte[] raw = new byte[dataset.imageBytes()];

        run(dataset, augmenter, view1, view2, 2); // warm-up: JIT
        long samples = run(dataset, augmenter, view1, view2, seconds);
        double viewsPerSecond = 2 * samples / seconds;

        long reads = 0;
        long end = System.nanoTime() + (long) (1e9 * seconds / 5);
        long start = System.nanoTime();
        while (System.nanoTime() < end) {
            for (int i = 0; i < 256; i++) {
                dataset.readImage((int) (reads++ % dataset.size()), raw, 0);
            }
        }
        double readsPerSecond = reads / ((System.nanoTime() - start) / 1e9);

        System.out.printf("dataset   %s (%d images, %dx%d)%n", dataset.uri(), dataset.size(), dataset.height(), dataset.width());
        System.out.printf("recipe    simclr, 32 px, 1 thread, %.0f s%n", seconds);
        System.out.printf("views/s   %,.0f  (%.1f us per view)%n", viewsPerSecond, 1e6 / viewsPerSecond);
        System.out.printf("reads/s   %,.0f  (dataset readImage alone)%n", readsPerSecond);
    }

    private static long run(ImageDataset dataset, TwoViewAugmenter augmenter, byte[] view1, byte[] view2, double seconds) {
        long samples = 0;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            for (int i = 0; i < 64; i++, samples++) {
                augmenter.augment(dataset, (int) (samples % dataset.size()), 42, samples / dataset.size(), view1, 0, view2, 0);
            }
        }
        return samples;
    }
}
