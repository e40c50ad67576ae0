package io.twinview.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.twinview.augment.TwoViewAugmenter;
import io.twinview.augment.kafka.PolicyMapper;
import io.twinview.core.augment.AugmentRecipes;
import io.twinview.core.data.Datasets;
import io.twinview.core.data.ImageDataset;
import io.twinview.model.EncoderKind;
import io.twinview.proto.v1.AugmentRecipe;
import io.twinview.proto.v1.ProjectorSpec;
import io.twinview.proto.v1.SimClrSettings;
import io.twinview.trainer.optim.OptimizerConfig;
import io.twinview.trainer.train.Learner;
import io.twinview.trainer.train.PairBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Optimizer steps per second of the trainer's learner for each encoder, on real augmented pairs
 * prepared beforehand: the ceiling the pipeline's trainer can reach on this machine, Kafka aside.
 * It never waits for input; how long the pipeline's trainer waits is {@code ./twinview demo}'s figure.
 */
@Command(
        name = "trainer",
        mixinStandardHelpOptions = true,
        description = "Trainer pairs/s for each encoder (SimCLR step: forward, backward, update).")
final class TrainerBench implements Callable<Integer> {

    @Option(
            names = "--dataset",
            description = "images to augment (default: the CIFAR-10 subset in ../shared when present, else synthetic:)")
    String dataset;

    @Option(
            names = "--encoders",
            split = ",",
            defaultValue = "small,resnet18",
            description = "encoders to measure (default: ${DEFAULT-VALUE})")
    List<String> encoders;

    @Option(names = "--batch-size", defaultValue = "256", description = "pairs per step (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Option(
            names = "--seconds",
            defaultValue = "30",
            description = "measured time per encoder, after 2 warm-up steps (default: ${DEFAULT-VALUE})")
    double seconds;

    @Option(names = "--json", description = "end with one JSON line holding every figure")
    boolean json;

    @Override
    public Integer call() {
        String uri = dataset != null ? dataset : defaultDataset();
        ImageDataset images = Datasets.open(uri);
        int size = images.height();
        TwoViewAugmenter augmenter = new TwoViewAugmenter(
                PolicyMapper.toDomain(
                        AugmentRecipes.resolve(
                                AugmentRecipe.newBuilder().setName("simclr").build(), size),
                        size),
                size);
        PairBatch batch = batch(images, augmenter, batchSize);
        System.out.printf(
                "trainer bench: SimCLR steps of %d pairs of %dx%d views from %s, %d cores, PyTorch %s%n",
                batchSize,
                size,
                size,
                uri,
                Runtime.getRuntime().availableProcessors(),
                Engine.getInstance().getVersion());
        Map<String, Object> figures = new LinkedHashMap<>();
        for (String key : encoders) {
            EncoderKind kind = EncoderKind.resolve(key, size);
            try (Learner learner = new Learner(new Learner.Config(
                    "simclr",
                    kind,
                    size,
                    0,
                    SimClrSettings.newBuilder()
                            .setProjector(ProjectorSpec.newBuilder()
                                    .setHiddenDim(kind.featureDim())
                                    .setOutputDim(128)
                                    .setLayers(2))
                            .setTemperature(0.1)
                            .build(),
                    new OptimizerConfig("adam", 1e-3, 0.9, 1e-6, 0.001),
                    Device.cpu(),
                    0,
                    null))) {
                learner.step(batch, 1e-3, 1, 1000);
                learner.step(batch, 1e-3, 2, 1000);
                long start = System.nanoTime();
                int steps = 0;
                while (steps < 2 || (System.nanoTime() - start) / 1e9 < seconds) {
                    learner.step(batch, 1e-3, steps + 3, 1000);
                    steps++;
                }
                double elapsed = (System.nanoTime() - start) / 1e9;
                double pairsPerSecond = steps * (double) batchSize / elapsed;
                System.out.printf(
                        "  %-9s %7.1f pairs/s  (%d steps in %.1f s, %.0f ms/step)%n",
                        key, pairsPerSecond, steps, elapsed, 1000 * elapsed / steps);
                figures.put(key + "_pairs_per_s", Math.round(pairsPerSecond * 10) / 10.0);
            }
        }
        System.out.println("  (no input wait here: the pairs are made beforehand. The pipeline's input-wait fraction,"
                + " time waiting for views / (waiting + computing), ends ./twinview demo and train, and is"
                + " input_wait_fraction in their --json)");
        if (json) {
            System.out.println(figures.entrySet().stream()
                    .map(e -> "\"" + e.getKey() + "\":" + e.getValue())
                    .collect(Collectors.joining(",", "{", "}")));
        }
        return 0;
    }

    private static PairBatch batch(ImageDataset images, TwoViewAugmenter augmenter, int n) {
        int bytes = augmenter.viewBytes();
        byte[] view1 = new byte[n * bytes];
        byte[] view2 = new byte[n * bytes];
        long[] samples = new long[n];
        for (int i = 0; i < n; i++) {
            samples[i] = i % images.size();
            augmenter.augment(images, (int) samples[i], 0, 0, view1, i * bytes, view2, i * bytes);
        }
        return new PairBatch(view1, view2, n, augmenter.outSize(), augmenter.outSize(), samples);
    }

    static String defaultDataset() {
        Path subset = Path.of(System.getProperty("twinview.home", "."))
                .resolve("../shared/datasets/cifar10-subset")
                .normalize();
        return Files.isDirectory(subset) ? "cifar10:" + subset.toAbsolutePath() + "?batches=1-4" : "synthetic:?n=4096";
    }
}
