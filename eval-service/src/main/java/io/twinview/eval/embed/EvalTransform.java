package io.twinview.eval.embed;

import io.twinview.eval.probe.EvalResize;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;

/**
 * Brings a caller's image to what the probes feed the encoder: uint8 RGB HWC pixels at the run's
 * image size. An image already at that size passes unchanged, so that embedding a dataset's image
 * gives exactly the probes' features ({@code FeatureExtractor}, which then normalises); any other
 * size is resized (bilinear) so that its shorter side is the image size, then centre-cropped to a
 * square, as torchvision's {@code Resize(s) + CenterCrop(s)} evaluation transform does.
 */
public final class EvalTransform {

    private EvalTransform() {}

    /** An image that cannot be embedded; the message says why. */
    public static final class BadImageException extends RuntimeException {
        public BadImageException(String message) {
            super(message);
        }
    }

    /**
     * @param maxSide largest height or width accepted before resizing
     * @return {@code size * size * 3} bytes, HWC
     * @throws BadImageException for an undecodable image or raw pixels that do not fit their shape
     */
    public static byte[] apply(ImageInput image, int size, int maxSide) {
        Pixels pixels = image.encoded() ? decode(image.bytes(), maxSide) : raw(image, maxSide);
        return resizeAndCrop(pixels, size);
    }

    /** uint8 RGB pixels, HWC. */
    record Pixels(byte[] hwc, int height, int width) {}

    static Pixels decode(byte[] encoded, int maxSide) {
        if (encoded.length == 0) {
            throw new BadImageException("the encoded image is empty (0 bytes)");
        }
        BufferedImage decoded;
        try {
            decoded = ImageIO.read(new ByteArrayInputStream(encoded));
        } catch (IOException | RuntimeException e) {
            throw new BadImageException("cannot decode the " + encoded.length + " encoded bytes: " + e.getMessage());
        }
        if (decoded == null) {
            throw new BadImageException("the " + encoded.length + " encoded bytes are not a PNG or JPEG image");
        }
        int h = decoded.getHeight();
        int w = decoded.getWidth();
        checkSides(h, w, maxSide);
        byte[] hwc = new byte[h * w * 3];
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            decoded.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int at = (y * w + x) * 3;
                hwc[at] = (byte) (row[x] >> 16);
                hwc[at + 1] = (byte) (row[x] >> 8);
                hwc[at + 2] = (byte) row[x];
            }
        }
        return new Pixels(hwc, h, w);
    }

    static Pixels raw(ImageInput image, int maxSide) {
        int h = image.height();
        int w = image.width();
        int c = image.channels() == 0 ? 3 : image.channels();
        if (h < 1 || w < 1) {
            throw new BadImageException("raw image shape " + h + "x" + w + " is not positive; give height and width");
        }
        if (c != 1 && c != 3) {
            throw new BadImageException("raw image has " + c + " channels; allowed: 1 (grey) or 3 (RGB)");
        }
        checkSides(h, w, maxSide);
        long expected = (long) h * w * c;
        if (image.bytes().length != expected) {
            throw new BadImageException("raw image of shape " + h + "x" + w + "x" + c + " needs " + expected
                    + " bytes but has " + image.bytes().length);
        }
        byte[] src = image.bytes();
        byte[] hwc = new byte[h * w * 3];
        int plane = h * w;
        for (int p = 0; p < plane; p++) {
            for (int k = 0; k < 3; k++) {
                int ch = c == 1 ? 0 : k;
                hwc[p * 3 + k] = image.chw() ? src[ch * plane + p] : src[p * c + ch];
            }
        }
        return new Pixels(hwc, h, w);
    }

    private static void checkSides(int h, int w, int maxSide) {
        if (h > maxSide || w > maxSide) {
            throw new BadImageException("image is " + w + "x" + h + " pixels; at most " + maxSide
                    + " per side (twinview.eval.embed.max-image-side)");
        }
    }

    /** Shorter side to {@code size}, then the centre square: {@link EvalResize#toSize}. */
    static byte[] resizeAndCrop(Pixels in, int size) {
        return EvalResize.toSize(in.hwc(), in.height(), in.width(), size);
    }
}
