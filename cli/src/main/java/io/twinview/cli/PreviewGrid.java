package io.twinview.cli;

import io.twinview.augment.TwoViewAugmenter;
import io.twinview.core.data.ImageDataset;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A picture of what a recipe does: one row per sample, the original in the first column and its
 * two views beside it, each cell {@code cell x cell} pixels (nearest-neighbour upscaling, so 32 px
 * views stay sharp), {@link #GAP} white pixels around and between cells.
 *
 * <p>Image size: {@code width = 3 * cell + 4 * GAP}, {@code height = rows * cell + (rows + 1) * GAP}.
 * The views are the exact bytes a worker would produce for (seed, epoch, sample).
 */
final class PreviewGrid {

    static final int GAP = 4;
    static final int COLUMNS = 3;
    private static final int WHITE = 0xFFFFFF;

    private PreviewGrid() {}

    /**
     * {@code rows} distinct samples drawn from {@code seed} (all of them, in order, when the
     * dataset has no more than {@code rows}).
     */
    static int[] samples(ImageDataset dataset, int rows, long seed) {
        if (dataset.size() <= rows) {
            int[] all = new int[dataset.size()];
            Arrays.setAll(all, i -> i);
            return all;
        }
        // partial Fisher-Yates over 0..size-1: the first `rows` places
        SplittableRandom random = new SplittableRandom(seed);
        int[] order = new int[dataset.size()];
        Arrays.setAll(order, i -> i);
        for (int i = 0; i < rows; i++) {
            int j = i + random.nextInt(order.length - i);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return Arrays.copyOf(order, rows);
    }

    static int width(int cell) {
        return COLUMNS * cell + (COLUMNS + 1) * GAP;
    }

    static int height(int rows, int cell) {
        return rows * cell + (rows + 1) * GAP;
    }

    /** The grid for these samples; {@code cell} must be at least the dataset's and the views' side. */
    static BufferedImage render(
            ImageDataset dataset, TwoViewAugmenter augmenter, int[] samples, long seed, long epoch, int cell) {
        int side = augmenter.outSize();
        if (cell < side || cell < dataset.height() || cell < dataset.width()) {
            throw new IllegalArgumentException("cell of " + cell + " px is smaller than the images (" + dataset.width()
                    + "x" + dataset.height() + ") or views (" + side + ")");
        }
        BufferedImage grid = new BufferedImage(width(cell), height(samples.length, cell), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < grid.getHeight(); y++) {
            for (int x = 0; x < grid.getWidth(); x++) {
                grid.setRGB(x, y, WHITE);
            }
        }
        byte[] original = new byte[dataset.imageBytes()];
        byte[] view1 = new byte[augmenter.viewBytes()];
        byte[] view2 = new byte[augmenter.viewBytes()];
        for (int row = 0; row < samples.length; row++) {
            int index = samples[row];
            dataset.readImage(index, original, 0);
            augmenter.augment(dataset, index, seed, epoch, view1, 0, view2, 0);
            int top = GAP + row * (cell + GAP);
            draw(grid, original, dataset.height(), dataset.width(), GAP, top, cell);
            draw(grid, view1, side, side, GAP + (cell + GAP), top, cell);
            draw(grid, view2, side, side, GAP + 2 * (cell + GAP), top, cell);
        }
        return grid;
    }

    /** uint8 HWC RGB {@code h x w} scaled by nearest neighbour into the {@code cell x cell} square at (left, top). */
    private static void draw(BufferedImage grid, byte[] hwc, int h, int w, int left, int top, int cell) {
        for (int y = 0; y < cell; y++) {
            int sy = y * h / cell;
            for (int x = 0; x < cell; x++) {
                int sx = x * w / cell;
                int p = (sy * w + sx) * 3;
                int rgb = (hwc[p] & 0xFF) << 16 | (hwc[p + 1] & 0xFF) << 8 | (hwc[p + 2] & 0xFF);
                grid.setRGB(left + x, top + y, rgb);
            }
        }
    }
}
