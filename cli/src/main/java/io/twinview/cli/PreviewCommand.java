package io.twinview.cli;

import io.twinview.augment.TwoViewAugmenter;
import io.twinview.augment.kafka.PolicyMapper;
import io.twinview.core.augment.AugmentRecipes;
import io.twinview.core.data.DatasetException;
import io.twinview.core.data.Datasets;
import io.twinview.core.data.ImageDataset;
import io.twinview.proto.v1.AugmentRecipe;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./twinview preview}: a PNG of a recipe's two views of a few samples, made by the workers'
 * own augmentation code ({@link TwoViewAugmenter} over {@link AugmentRecipes#resolve}), so what it
 * shows is what the trainer gets for that seed and epoch.
 */
@Command(
        name = "preview",
        mixinStandardHelpOptions = true,
        description = "Write a PNG grid: originals in the first column, their two augmented views beside them.")
final class PreviewCommand implements Callable<Integer> {

    /** Cells are upscaled to at least this many pixels so 32 px views are visible. */
    static final int MIN_DISPLAY_CELL = 96;

    @Option(
            names = "--recipe",
            defaultValue = "simclr",
            description = "augmentation recipe (default: ${DEFAULT-VALUE})")
    String recipe;

    @Option(
            names = "--dataset",
            description = "dataset URI (default: the CIFAR-10 subset in ../shared when present, else synthetic:)")
    String dataset;

    @Option(names = "--out", required = true, description = "PNG file to write")
    Path out;

    @Option(names = "--rows", defaultValue = "8", description = "samples, one per row (default: ${DEFAULT-VALUE})")
    int rows;

    @Option(
            names = "--size",
            description = "side of the views in pixels, as a run's image_size (default: the dataset's)")
    Integer size;

    @Option(
            names = "--cell",
            description = "displayed side of each cell in pixels (default: the smallest multiple of the "
                    + "image side that is at least " + MIN_DISPLAY_CELL + ")")
    Integer cell;

    @Option(
            names = "--seed",
            defaultValue = "0",
            description = "run seed: picks the samples and draws the views (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(
            names = "--epoch",
            defaultValue = "0",
            description = "epoch whose views to draw (default: ${DEFAULT-VALUE})")
    long epoch;

    @Override
    public Integer call() {
        if (rows < 1 || rows > 256) {
            throw new IllegalArgumentException("--rows must be 1..256, was " + rows);
        }
        if (epoch < 0) {
            throw new IllegalArgumentException("--epoch must not be negative, was " + epoch);
        }
        String uri = RunFlags.absolute(dataset != null ? dataset : defaultDataset());
        ImageDataset images;
        try {
            images = Datasets.open(uri);
        } catch (DatasetException e) { // names the URI and the problem: a bad --dataset, reported as such
            throw new IllegalArgumentException("--dataset: " + e.getMessage(), e);
        }
        int side = size != null ? size : images.height();
        if (side < 8 || side > 512) {
            throw new IllegalArgumentException("--size must be 8..512 pixels, as a run's image_size, was " + side);
        }
        // the view size picks the recipe's variant (32 px without blur up to 64 px), as for a run
        AugmentRecipe resolved = AugmentRecipes.resolve(
                AugmentRecipe.newBuilder().setName(recipe).build(), side);
        TwoViewAugmenter augmenter = new TwoViewAugmenter(PolicyMapper.toDomain(resolved, side), side);
        int largest = Math.max(side, Math.max(images.height(), images.width()));
        int display = cell != null ? cell : largest * Math.max(1, (MIN_DISPLAY_CELL + largest - 1) / largest);
        if (display < largest) {
            throw new IllegalArgumentException(
                    "--cell must be at least " + largest + " (the largest image side), was " + display);
        }
        int[] samples = PreviewGrid.samples(images, rows, seed);
        BufferedImage grid = PreviewGrid.render(images, augmenter, samples, seed, epoch, display);
        write(grid, out);
        System.out.printf(
                "wrote %s: %d rows x (original | view 1 | view 2) of %s, recipe %s, %d px views shown at %d px, "
                        + "seed %d, epoch %d, samples %s%n",
                out,
                samples.length,
                images.uri(),
                resolved.getName(),
                side,
                display,
                seed,
                epoch,
                Arrays.toString(samples));
        return 0;
    }

    private static void write(BufferedImage grid, Path out) {
        try {
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            if (!ImageIO.write(grid, "png", out.toFile())) {
                throw new IllegalStateException("no PNG writer in this JVM");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
        }
    }

    static String defaultDataset() {
        Path subset =
                TwinviewCli.home().resolve("../shared/datasets/cifar10-subset").normalize();
        return Files.isDirectory(subset) ? "cifar10:" + subset + "?batches=1" : "synthetic:";
    }
}
