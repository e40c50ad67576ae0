package io.twinview.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.augment.TwoViewAugmenter;
import io.twinview.augment.kafka.PolicyMapper;
import io.twinview.core.augment.AugmentRecipes;
import io.twinview.core.data.Datasets;
import io.twinview.core.data.ImageDataset;
import io.twinview.proto.v1.AugmentRecipe;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class PreviewCommandTest {

    private static final String DATASET = "synthetic:?n=64&size=32";

    @TempDir
    Path dir;

    private int preview(Path out, String... more) {
        String[] base = {"--recipe", "byol", "--dataset", DATASET, "--out", out.toString()};
        String[] args = new String[base.length + more.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(more, 0, args, base.length, more.length);
        return new CommandLine(new PreviewCommand()).execute(args);
    }

    @Test
    void writesAPngGridOfTheRequestedShape() throws IOException {
        Path out = dir.resolve("views.png");

        assertEquals(0, preview(out, "--rows", "5", "--cell", "64", "--seed", "3"), "the command succeeds");

        BufferedImage png = ImageIO.read(out.toFile());
        assertNotNull(png, "the file decodes as an image");
        assertEquals(3 * 64 + 4 * PreviewGrid.GAP, png.getWidth(), "three columns of 64 px cells and four gaps");
        assertEquals(5 * 64 + 6 * PreviewGrid.GAP, png.getHeight(), "five rows of 64 px cells and six gaps");
    }

    @Test
    void theDefaultRowsAndCellMake8RowsUpscaledToAtLeast96Pixels() throws IOException {
        Path out = dir.resolve("default.png");

        assertEquals(0, preview(out), "the command succeeds");

        BufferedImage png = ImageIO.read(out.toFile());
        int cell = 96; // 32 px images: the smallest multiple of 32 that is at least 96
        assertEquals(PreviewGrid.width(cell), png.getWidth(), "32 px views are shown 3x");
        assertEquals(PreviewGrid.height(8, cell), png.getHeight(), "8 rows by default");
    }

    @Test
    void theSameSeedWritesTheSameBytesAndAnotherSeedDoesNot() throws IOException {
        Path a = dir.resolve("a.png");
        Path b = dir.resolve("b.png");
        Path c = dir.resolve("c.png");

        preview(a, "--seed", "11");
        preview(b, "--seed", "11");
        preview(c, "--seed", "12");

        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b), "deterministic for a seed");
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(c)), "another seed, other views");
    }

    @Test
    void theCellsShowTheOriginalAndTheWorkersOwnViews() throws IOException {
        Path out = dir.resolve("exact.png");
        int cell = 32; // no upscaling: cell pixels are image pixels

        preview(out, "--rows", "2", "--cell", String.valueOf(cell), "--seed", "5", "--epoch", "2");

        BufferedImage png = ImageIO.read(out.toFile());
        ImageDataset images = Datasets.open(DATASET);
        TwoViewAugmenter augmenter = new TwoViewAugmenter(
                PolicyMapper.toDomain(AugmentRecipes.resolve(
                        AugmentRecipe.newBuilder().setName("byol").build())),
                32);
        int[] samples = PreviewGrid.samples(images, 2, 5);
        for (int row = 0; row < samples.length; row++) {
            byte[] original = new byte[images.imageBytes()];
            byte[] view1 = new byte[augmenter.viewBytes()];
            byte[] view2 = new byte[augmenter.viewBytes()];
            images.readImage(samples[row], original, 0);
            augmenter.augment(images, samples[row], 5, 2, view1, 0, view2, 0);
            int top = PreviewGrid.GAP + row * (cell + PreviewGrid.GAP);
            assertCell(
                    png,
                    original,
                    PreviewGrid.GAP,
                    top,
                    "row " + row + " column 1 is the original of sample " + samples[row]);
            assertCell(
                    png,
                    view1,
                    PreviewGrid.GAP + cell + PreviewGrid.GAP,
                    top,
                    "row " + row + " column 2 is TwoViewAugmenter's view 1 for (seed 5, epoch 2, sample)");
            assertCell(
                    png,
                    view2,
                    PreviewGrid.GAP + 2 * (cell + PreviewGrid.GAP),
                    top,
                    "row " + row + " column 3 is TwoViewAugmenter's view 2");
        }
    }

    @Test
    void aBadDatasetOrRecipeIsReportedByName() {
        CommandLine cli = new CommandLine(new PreviewCommand());
        java.io.StringWriter err = new java.io.StringWriter();
        cli.setErr(new java.io.PrintWriter(err));
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            line.getErr().println(e.getMessage());
            return 2;
        });
        assertEquals(
                2,
                cli.execute("--dataset", "nope:x", "--out", dir.resolve("x.png").toString()),
                "refused");
        assertTrue(
                err.toString().contains("--dataset") && err.toString().contains("nope"),
                "names the flag and the URI: " + err);
        assertEquals(
                2,
                cli.execute(
                        "--dataset",
                        DATASET,
                        "--recipe",
                        "no-such-recipe",
                        "--out",
                        dir.resolve("y.png").toString()),
                "refused");
        assertTrue(err.toString().contains("no-such-recipe"), "names the recipe: " + err);
        assertFalse(Files.exists(dir.resolve("x.png")) || Files.exists(dir.resolve("y.png")), "no file is written");
    }

    private static void assertCell(BufferedImage png, byte[] hwc, int left, int top, String what) {
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                int p = (y * 32 + x) * 3;
                int expected = (hwc[p] & 0xFF) << 16 | (hwc[p + 1] & 0xFF) << 8 | (hwc[p + 2] & 0xFF);
                if ((png.getRGB(left + x, top + y) & 0xFFFFFF) != expected) {
                    throw new AssertionError(what + ": pixel (" + x + ", " + y + ") differs");
                }
            }
        }
    }
}
