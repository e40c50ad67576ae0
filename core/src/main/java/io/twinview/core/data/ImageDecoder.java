package io.twinview.core.data;

import io.twinview.core.data.BadImageException.Reason;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Checks and decodes one encoded JPEG or PNG, converts it to RGB and resizes it to a square side,
 * for the imagefolder and webdataset formats. Stateless and thread-safe (a new ImageIO reader per
 * call).
 *
 * <p>Checks, in order, each a {@link BadImageException} with its {@link Reason}: zero bytes
 * (EMPTY); more than {@link #MAX_FILE_BYTES} (TOO_LARGE); no JPEG ({@code FF D8 FF}) or PNG
 * signature (WRONG_MAGIC); for PNG a walk over the chunks that checks each chunk's CRC-32
 * (CORRUPT) and that the data runs to IEND (TRUNCATED); then the dimensions from the header
 * through {@link ImageReader#getWidth}/{@link ImageReader#getHeight}, before any pixel buffer is
 * allocated: a side over {@link #MAX_SIDE} or more than {@link #MAX_PIXELS} pixels is TOO_LARGE
 * (a decompression bomb, or a 40,000,000 x 1 strip); then the
 * decode, where decoder errors and the JPEG decoder's warnings about a missing end marker or
 * corrupt data are TRUNCATED or CORRUPT (a JPEG error is TRUNCATED when the file lacks its
 * end-of-image marker). JPEG has no checksum: a flipped bit inside the entropy-coded data that
 * still decodes gives a wrong image, not an error.
 *
 * <p>Colour: grayscale is replicated to R=G=B (from the raster, no gamma change), palette
 * entries are looked up, alpha is dropped (like PIL's {@code convert("RGB")}), 16-bit samples are
 * scaled to 8 bits. Size: the shorter side is resized to the target side, keeping the aspect
 * ratio, then the centre square is cropped; the resampler is separable bilinear (triangle filter)
 * with its support widened by the scale factor when shrinking, i.e. antialiased like PIL's
 * {@code Image.resize(..., BILINEAR)} and torchvision's default {@code Resize}.
 */
final class ImageDecoder {

    /** Largest width x height decoded: 40 megapixels (e.g. 7300x5475), about 120 MB as 8-bit RGB. */
    static final long MAX_PIXELS = 40_000_000L;
    /**
     * Largest width and largest height decoded: 16384 (WebP's limit is 16383). Within
     * {@link #MAX_PIXELS} a header may still declare 40,000,000 x 1, whose resize to a square side
     * would need a row billions of pixels wide: each side is bounded too.
     */
    static final long MAX_SIDE = 16_384;
    /** Largest encoded file read: 64 MiB. */
    static final long MAX_FILE_BYTES = 64L << 20;

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    private ImageDecoder() {}

    /** Throws TOO_LARGE for an encoded size over {@link #MAX_FILE_BYTES}, before the bytes are read. */
    static void checkFileSize(long bytes, String uri, String sample) {
        if (bytes > MAX_FILE_BYTES) {
            throw new BadImageException(
                    uri, sample, Reason.TOO_LARGE, "file is " + bytes + " bytes; the limit is " + MAX_FILE_BYTES, null);
        }
    }

    /** Decodes {@code data} and writes a side x side x 3 HWC image to {@code dst[offset..]}. */
    static void decodeInto(byte[] data, int side, byte[] dst, int offset, String uri, String sample) {
        if (data.length == 0) {
            throw new BadImageException(uri, sample, Reason.EMPTY, "zero bytes", null);
        }
        checkFileSize(data.length, uri, sample);
        String format;
        if (startsWith(data, PNG_SIGNATURE)) {
            format = "png";
            checkPngChunks(data, uri, sample);
        } else if (data.length >= 3
                && (data[0] & 0xFF) == 0xFF
                && (data[1] & 0xFF) == 0xD8
                && (data[2] & 0xFF) == 0xFF) {
            format = "jpeg";
        } else {
            throw new BadImageException(
                    uri,
                    sample,
                    Reason.WRONG_MAGIC,
                    "starts with " + hex(data, 8)
                            + ", which is neither a JPEG (FF D8 FF) nor a PNG (89 50 4E 47 0D 0A 1A 0A) signature",
                    null);
        }
        BufferedImage image = read(data, format, uri, sample);
        resizeInto(image, side, dst, offset);
    }

    private static BufferedImage read(byte[] data, String format, String uri, String sample) {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format);
        if (!readers.hasNext()) {
            throw new IllegalStateException("this JDK has no ImageIO reader for " + format);
        }
        ImageReader reader = readers.next();
        List<String> warnings = new ArrayList<>();
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(data))) {
            reader.setInput(in, true, true);
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            long width;
            long height;
            try {
                width = reader.getWidth(0);
                height = reader.getHeight(0);
            } catch (IOException | RuntimeException e) {
                throw failure(uri, sample, format + " header", e, data);
            }
            if (width <= 0 || height <= 0) {
                throw new BadImageException(
                        uri, sample, Reason.CORRUPT, format + " header declares " + width + "x" + height, null);
            }
            if (width > MAX_SIDE || height > MAX_SIDE) {
                throw new BadImageException(
                        uri,
                        sample,
                        Reason.TOO_LARGE,
                        format + " header declares " + width + "x" + height + "; the limit is " + MAX_SIDE
                                + " pixels a side",
                        null);
            }
            if (width * height > MAX_PIXELS) {
                throw new BadImageException(
                        uri,
                        sample,
                        Reason.TOO_LARGE,
                        format + " header declares " + width + "x" + height + " = " + width * height
                                + " pixels; the limit is " + MAX_PIXELS,
                        null);
            }
            BufferedImage image;
            try {
                image = reader.read(0);
            } catch (IOException | RuntimeException e) {
                throw failure(uri, sample, format + " data", e, data);
            }
            for (String warning : warnings) {
                String w = warning.toLowerCase(java.util.Locale.ROOT);
                if (w.contains("premature end") || w.contains("truncated") || w.contains("missing eoi")) {
                    throw new BadImageException(
                            uri, sample, Reason.TRUNCATED, "the " + format + " decoder reports: " + warning, null);
                }
                if (w.contains("corrupt")) {
                    throw new BadImageException(
                            uri, sample, Reason.CORRUPT, "the " + format + " decoder reports: " + warning, null);
                }
            }
            return image;
        } catch (IOException e) {
            throw failure(uri, sample, format, e, data); // closing a memory stream; not expected
        } finally {
            reader.dispose();
        }
    }

    /**
     * A decoder exception as a reason: TRUNCATED for an end-of-data error, or a JPEG without its
     * end-of-image marker (FF D9) in the last bytes (a cut inside the headers surfaces as "missing
     * SOS marker"); UNSUPPORTED for a colour model ImageIO cannot convert; else CORRUPT.
     */
    private static BadImageException failure(String uri, String sample, String what, Exception e, byte[] data) {
        String message = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
        boolean jpegWithoutEnd = what.startsWith("jpeg") && !hasJpegEnd(data);
        boolean truncated = e instanceof EOFException
                || e.getCause() instanceof EOFException
                || message.contains("end of")
                || message.contains("premature")
                || jpegWithoutEnd;
        boolean unsupported = String.valueOf(e.getMessage()).contains("Unsupported Image Type");
        Reason reason = truncated ? Reason.TRUNCATED : unsupported ? Reason.UNSUPPORTED : Reason.CORRUPT;
        return new BadImageException(uri, sample, reason, what + " does not decode: " + e, e);
    }

    /** An EOI marker (FF D9) among the last 32 bytes: entropy-coded data cannot contain one (FF is stuffed as FF 00). */
    private static boolean hasJpegEnd(byte[] data) {
        for (int i = data.length - 2; i >= Math.max(0, data.length - 32); i--) {
            if ((data[i] & 0xFF) == 0xFF && (data[i + 1] & 0xFF) == 0xD9) {
                return true;
            }
        }
        return false;
    }

    /** Walks PNG chunks from the signature to IEND, checking lengths and CRC-32s (https://www.w3.org/TR/png/#5Chunk-layout). */
    private static void checkPngChunks(byte[] data, String uri, String sample) {
        ByteBuffer buf = ByteBuffer.wrap(data);
        int pos = PNG_SIGNATURE.length;
        CRC32 crc = new CRC32();
        boolean first = true;
        while (true) {
            if (data.length - pos < 12) {
                throw new BadImageException(
                        uri,
                        sample,
                        Reason.TRUNCATED,
                        "PNG ends at byte " + data.length + " inside a chunk header, before IEND",
                        null);
            }
            long length = buf.getInt(pos) & 0xFFFFFFFFL;
            String type = new String(data, pos + 4, 4, java.nio.charset.StandardCharsets.ISO_8859_1);
            if (first && !type.equals("IHDR")) {
                throw new BadImageException(
                        uri, sample, Reason.CORRUPT, "PNG's first chunk is '" + type + "', not IHDR", null);
            }
            first = false;
            if (length > data.length - pos - 12L) {
                throw new BadImageException(
                        uri,
                        sample,
                        Reason.TRUNCATED,
                        "PNG chunk " + type + " at byte " + pos + " declares " + length + " data bytes; only "
                                + (data.length - pos - 12L) + " remain before the end",
                        null);
            }
            crc.reset();
            crc.update(data, pos + 4, (int) length + 4);
            long stored = buf.getInt(pos + 8 + (int) length) & 0xFFFFFFFFL;
            if (crc.getValue() != stored) {
                throw new BadImageException(
                        uri,
                        sample,
                        Reason.CORRUPT,
                        "PNG chunk " + type + " at byte " + pos
                                + " fails its CRC-32 check (stored " + Long.toHexString(stored) + ", computed "
                                + Long.toHexString(crc.getValue()) + ")",
                        null);
            }
            pos += 12 + (int) length;
            if (type.equals("IEND")) {
                return;
            }
        }
    }

    /** Shorter side to {@code side}, centre crop, antialiased bilinear; writes HWC bytes. */
    static void resizeInto(BufferedImage image, int side, byte[] dst, int offset) {
        int w = image.getWidth();
        int h = image.getHeight();
        double shrink = Math.min(w, h) / (double) side; // source pixels per output pixel
        int rw = Math.max(side, (int) Math.round(w / shrink));
        int rh = Math.max(side, (int) Math.round(h / shrink));
        int left = (rw - side) / 2;
        int top = (rh - side) / 2;
        Filter fx = Filter.of(w, rw, left, side);
        Filter fy = Filter.of(h, rh, top, side);
        int y0 = fy.first[0];
        int y1 = fy.first[side - 1] + fy.count[side - 1];
        float[] rows = new float[(y1 - y0) * side * 3]; // (source rows y0..y1, side, 3) after the horizontal pass
        int[] rgb = new int[w * 3];
        RowReader reader = new RowReader(image);
        for (int y = y0; y < y1; y++) {
            reader.read(y, rgb);
            int base = (y - y0) * side * 3;
            for (int x = 0; x < side; x++) {
                float r = 0;
                float g = 0;
                float b = 0;
                int k0 = x * fx.stride;
                for (int k = 0; k < fx.count[x]; k++) {
                    float weight = fx.weights[k0 + k];
                    int s = (fx.first[x] + k) * 3;
                    r += weight * rgb[s];
                    g += weight * rgb[s + 1];
                    b += weight * rgb[s + 2];
                }
                rows[base + x * 3] = r;
                rows[base + x * 3 + 1] = g;
                rows[base + x * 3 + 2] = b;
            }
        }
        for (int y = 0; y < side; y++) {
            int k0 = y * fy.stride;
            for (int i = 0; i < side * 3; i++) {
                float v = 0;
                for (int k = 0; k < fy.count[y]; k++) {
                    v += fy.weights[k0 + k] * rows[(fy.first[y] + k - y0) * side * 3 + i];
                }
                int q = Math.round(v);
                dst[offset + y * side * 3 + i] = (byte) (q < 0 ? 0 : q > 255 ? 255 : q);
            }
        }
    }

    /** Normalised triangle-filter weights mapping source pixels to output pixels {@code crop .. crop+side-1} of a resize from {@code in} to {@code out}. */
    private record Filter(int[] first, int[] count, float[] weights, int stride) {

        static Filter of(int in, int out, int crop, int side) {
            double scale = in / (double) out;
            double support = Math.max(scale, 1.0); // triangle support 1, widened when shrinking (antialias)
            int stride = (int) Math.ceil(support) * 2 + 1;
            int[] first = new int[side];
            int[] count = new int[side];
            float[] weights = new float[side * stride];
            for (int o = 0; o < side; o++) {
                double center = (o + crop + 0.5) * scale;
                int lo = Math.max(0, (int) (center - support + 0.5));
                int hi = Math.min(in, (int) (center + support + 0.5));
                double total = 0;
                int n = Math.min(hi - lo, stride);
                for (int k = 0; k < n; k++) {
                    double weight = Math.max(0, 1 - Math.abs((lo + k + 0.5 - center) / support));
                    weights[o * stride + k] = (float) weight;
                    total += weight;
                }
                if (total == 0) { // cannot happen for in >= 1; keep the nearest pixel
                    weights[o * stride] = 1;
                    total = 1;
                    n = 1;
                }
                for (int k = 0; k < n; k++) {
                    weights[o * stride + k] /= (float) total;
                }
                first[o] = lo;
                count[o] = n;
            }
            return new Filter(first, count, weights, stride);
        }
    }

    /** One row of a decoded image as 0..255 R, G, B ints, whatever its colour model. */
    private static final class RowReader {

        private final BufferedImage image;
        private final Raster raster;
        private final ColorModel model;
        private final int width;
        private final int[] samples;
        private final int[] argb;
        private final Kind kind;

        private enum Kind {
            PALETTE,
            GRAY,
            RGB,
            OTHER
        }

        RowReader(BufferedImage image) {
            this.image = image;
            this.raster = image.getRaster();
            this.model = image.getColorModel();
            this.width = image.getWidth();
            int colours = model.getNumColorComponents();
            int type = model.getColorSpace().getType();
            if (model instanceof IndexColorModel) {
                kind = Kind.PALETTE;
            } else if (type == ColorSpace.TYPE_GRAY && colours == 1) {
                kind = Kind.GRAY;
            } else if (model.getColorSpace().isCS_sRGB() && colours == 3 && raster.getNumBands() >= 3) {
                kind = Kind.RGB;
            } else {
                kind = Kind.OTHER;
            }
            this.samples = new int[width * raster.getNumBands()];
            this.argb = kind == Kind.OTHER ? new int[width] : null;
        }

        void read(int y, int[] rgb) {
            switch (kind) {
                case PALETTE -> {
                    IndexColorModel palette = (IndexColorModel) model;
                    raster.getSamples(0, y, width, 1, 0, samples);
                    for (int x = 0; x < width; x++) {
                        int i = samples[x];
                        rgb[3 * x] = palette.getRed(i);
                        rgb[3 * x + 1] = palette.getGreen(i);
                        rgb[3 * x + 2] = palette.getBlue(i);
                    }
                }
                case GRAY -> {
                    raster.getSamples(0, y, width, 1, 0, samples);
                    int bits = model.getComponentSize(0);
                    for (int x = 0; x < width; x++) {
                        int v = to8(samples[x], bits);
                        rgb[3 * x] = v;
                        rgb[3 * x + 1] = v;
                        rgb[3 * x + 2] = v;
                    }
                }
                case RGB -> {
                    int bands = raster.getNumBands();
                    raster.getPixels(0, y, width, 1, samples);
                    for (int c = 0; c < 3; c++) {
                        int bits = model.getComponentSize(c);
                        for (int x = 0; x < width; x++) {
                            rgb[3 * x + c] = to8(samples[x * bands + c], bits);
                        }
                    }
                }
                case OTHER -> {
                    image.getRGB(0, y, width, 1, argb, 0, width);
                    for (int x = 0; x < width; x++) {
                        rgb[3 * x] = (argb[x] >> 16) & 0xFF;
                        rgb[3 * x + 1] = (argb[x] >> 8) & 0xFF;
                        rgb[3 * x + 2] = argb[x] & 0xFF;
                    }
                }
                default -> throw new IllegalStateException(kind.toString());
            }
        }

        private static int to8(int value, int bits) {
            return bits == 8 ? value : (int) Math.round(value * 255.0 / ((1 << bits) - 1));
        }
    }

    private static boolean startsWith(byte[] data, byte[] prefix) {
        if (data.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (data[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static String hex(byte[] data, int max) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(max, data.length); i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(String.format("%02X", data[i] & 0xFF));
        }
        return sb.toString();
    }
}
