package io.twinview.eval.embed;

import java.util.Objects;

/**
 * One image a caller sends: encoded (PNG, JPEG) bytes, or raw uint8 pixels with their shape.
 *
 * @param bytes    the encoded file, or {@code height * width * channels} pixels
 * @param encoded  whether {@code bytes} is an encoded file (the shape fields are then unused)
 * @param channels 1 (grey) or 3 (RGB) for raw pixels
 * @param chw      raw pixels are channels-first (CHW) rather than HWC
 */
public record ImageInput(byte[] bytes, boolean encoded, int height, int width, int channels, boolean chw) {

    public ImageInput {
        Objects.requireNonNull(bytes, "bytes");
    }

    public static ImageInput encoded(byte[] bytes) {
        return new ImageInput(bytes, true, 0, 0, 0, false);
    }

    public static ImageInput raw(byte[] pixels, int height, int width, int channels, boolean chw) {
        return new ImageInput(pixels, false, height, width, channels, chw);
    }
}
