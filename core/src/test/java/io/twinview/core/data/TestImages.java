package io.twinview.core.data;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Encoded test images (good and bad), WebDataset shards and STL-10 binary folders, written with ImageIO and
 * Commons Compress.
 */
public final class TestImages {

    private TestImages() {}

    /** An encoded image that must be rejected, its file name, and the reason it must get. */
    public record BadImage(String name, byte[] bytes, BadImageException.Reason reason) {}

    /**
     * One of every kind of bad image: empty, truncated, wrong magic, bit-flipped, decompression bomb,
     * a 40,000,000 x 1 strip, as PNG and JPEG.
     */
    public static List<BadImage> badImages() {
        byte[] goodPng = png(gradient(40, 30));
        byte[] noisyJpeg = jpeg(noise(128, 128, 7));
        int idat = pngChunk(goodPng, "IDAT");
        int sof = sof0Offset(noisyJpeg);
        return List.of(
                new BadImage("empty.png", new byte[0], BadImageException.Reason.EMPTY),
                new BadImage("cut.png", truncate(goodPng, goodPng.length / 2), BadImageException.Reason.TRUNCATED),
                new BadImage(
                        "cut.jpg", truncate(noisyJpeg, noisyJpeg.length * 2 / 3), BadImageException.Reason.TRUNCATED),
                new BadImage("cut-in-header.jpg", truncate(noisyJpeg, 300), BadImageException.Reason.TRUNCATED),
                new BadImage("text.png", text("<html>404 Not Found</html>"), BadImageException.Reason.WRONG_MAGIC),
                new BadImage("gif.jpg", text("GIF89a...."), BadImageException.Reason.WRONG_MAGIC),
                new BadImage("flipped-idat.png", flipBit(goodPng, idat + 8 + 5, 3), BadImageException.Reason.CORRUPT),
                new BadImage("flipped-sof.jpg", flipBit(noisyJpeg, sof + 2, 4), BadImageException.Reason.CORRUPT),
                new BadImage("bomb.png", pngDeclaring(goodPng, 100_000, 100_000), BadImageException.Reason.TOO_LARGE),
                new BadImage("bomb.jpg", jpegDeclaring(noisyJpeg, 60_000, 60_000), BadImageException.Reason.TOO_LARGE),
                // within the pixel bound, but a resize of 40,000,000 x 1 to a square needs rows billions wide
                new BadImage("strip.png", pngDeclaring(goodPng, 40_000_000, 1), BadImageException.Reason.TOO_LARGE),
                new BadImage("strip.jpg", jpegDeclaring(noisyJpeg, 65_000, 1), BadImageException.Reason.TOO_LARGE));
    }

    /** Offset of a JPEG's SOF0 marker (0xFFC0), where its frame header with the image size starts. */
    public static int sof0Offset(byte[] jpeg) {
        for (int i = 2; i + 1 < jpeg.length; i++) {
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xC0) {
                return i;
            }
        }
        throw new IllegalArgumentException("no SOF0 marker");
    }

    public static BufferedImage solid(int width, int height, int rgb) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, rgb);
            }
        }
        return image;
    }

    /** A smooth RGB gradient: compresses well, decodes to plausible pixels. */
    public static BufferedImage gradient(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, ((x * 255 / width) << 16) | ((y * 255 / height) << 8) | 128);
            }
        }
        return image;
    }

    /** Random noise: a JPEG of it is long, so a cut lands inside the entropy-coded data. */
    public static BufferedImage noise(int width, int height, long seed) {
        java.util.Random random = new java.util.Random(seed);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, random.nextInt(1 << 24));
            }
        }
        return image;
    }

    public static BufferedImage gray(int width, int height, int value) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.getRaster().setSample(x, y, 0, value);
            }
        }
        return image;
    }

    /** A 2-entry palette image, every pixel entry 1 = {@code rgb}. */
    public static BufferedImage palette(int width, int height, int rgb) {
        byte[] r = {0, (byte) (rgb >> 16)};
        byte[] g = {0, (byte) (rgb >> 8)};
        byte[] b = {0, (byte) rgb};
        BufferedImage image =
                new BufferedImage(width, height, BufferedImage.TYPE_BYTE_BINARY, new IndexColorModel(1, 2, r, g, b));
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.getRaster().setSample(x, y, 0, 1);
            }
        }
        return image;
    }

    /** Half-transparent {@code rgb}: alpha must be dropped, the colour kept. */
    public static BufferedImage withAlpha(int width, int height, int rgb) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, (0x80 << 24) | rgb);
            }
        }
        return image;
    }

    public static byte[] encode(BufferedImage image, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException(
                        "no ImageIO writer for " + format + " and image type " + image.getType());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static byte[] png(BufferedImage image) {
        return encode(image, "png");
    }

    public static byte[] jpeg(BufferedImage image) {
        return encode(image, "jpeg");
    }

    /** Byte offset of the first PNG chunk of this type (its length field). */
    public static int pngChunk(byte[] png, String type) {
        int pos = 8;
        while (pos + 8 <= png.length) {
            int length = ByteBuffer.wrap(png, pos, 4).getInt();
            if (new String(png, pos + 4, 4, StandardCharsets.ISO_8859_1).equals(type)) {
                return pos;
            }
            pos += 12 + length;
        }
        throw new IllegalArgumentException("no " + type + " chunk");
    }

    /** A valid-looking PNG whose IHDR (CRC fixed up) declares width x height: a decompression bomb header. */
    public static byte[] pngDeclaring(byte[] png, int width, int height) {
        byte[] bomb = png.clone();
        int ihdr = pngChunk(bomb, "IHDR");
        ByteBuffer buf = ByteBuffer.wrap(bomb);
        buf.putInt(ihdr + 8, width);
        buf.putInt(ihdr + 12, height);
        CRC32 crc = new CRC32();
        crc.update(bomb, ihdr + 4, 4 + 13);
        buf.putInt(ihdr + 8 + 13, (int) crc.getValue());
        return bomb;
    }

    /** A JPEG whose SOF0 frame header declares width x height (at most 65535 each). */
    public static byte[] jpegDeclaring(byte[] jpeg, int width, int height) {
        byte[] bomb = jpeg.clone();
        for (int i = 2; i + 9 < bomb.length; i++) {
            if ((bomb[i] & 0xFF) == 0xFF && (bomb[i + 1] & 0xFF) == 0xC0) {
                // FF C0, length(2), precision(1), height(2), width(2)
                bomb[i + 5] = (byte) (height >> 8);
                bomb[i + 6] = (byte) height;
                bomb[i + 7] = (byte) (width >> 8);
                bomb[i + 8] = (byte) width;
                return bomb;
            }
        }
        throw new IllegalArgumentException("no SOF0 marker");
    }

    public static byte[] flipBit(byte[] data, int offset, int bit) {
        byte[] flipped = data.clone();
        flipped[offset] ^= (byte) (1 << bit);
        return flipped;
    }

    public static byte[] truncate(byte[] data, int length) {
        return Arrays.copyOf(data, length);
    }

    /** Writes a plain tar whose members are the map's entries, in order. */
    public static void writeTar(Path tar, Map<String, byte[]> members) {
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(Files.newOutputStream(tar))) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Map.Entry<String, byte[]> member : members.entrySet()) {
                TarArchiveEntry entry = new TarArchiveEntry(member.getKey());
                entry.setSize(member.getValue().length);
                out.putArchiveEntry(entry);
                out.write(member.getValue());
                out.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] text(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    public static void write(Path file, byte[] data) {
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * An STL-10 binary folder as Stl10Dataset reads it: {@code train_X.bin} / {@code test_X.bin} of 96x96x3
     * bytes per image (each channel a column-major plane) and {@code *_y.bin} labels 1..10. Image i has
     * label {@code i % 10} and a class-specific gradient plus noise drawn from {@code seed}.
     */
    public static void stl10(Path folder, int train, int test, long seed) throws IOException {
        int side = 96;
        Files.createDirectories(folder);
        Random random = new Random(seed);
        for (String split : List.of("train", "test")) {
            int n = split.equals("train") ? train : test;
            byte[] images = new byte[n * 3 * side * side];
            byte[] labels = new byte[n];
            for (int i = 0; i < n; i++) {
                int label = i % 10;
                labels[i] = (byte) (label + 1);
                for (int c = 0; c < 3; c++) {
                    for (int x = 0; x < side; x++) { // column-major: x outer, y inner
                        for (int y = 0; y < side; y++) {
                            int value = (label * 25 + c * 40 + (x + y) * (label + 1) + random.nextInt(16)) & 0xFF;
                            images[i * 3 * side * side + c * side * side + x * side + y] = (byte) value;
                        }
                    }
                }
            }
            Files.write(folder.resolve(split + "_X.bin"), images);
            Files.write(folder.resolve(split + "_y.bin"), labels);
        }
    }
}
