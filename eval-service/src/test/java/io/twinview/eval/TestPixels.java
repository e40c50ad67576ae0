package io.twinview.eval;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.ImageIO;

/** RGB pixels in the layouts EmbedService accepts: HWC bytes as CHW planes, or encoded as PNG (lossless). */
public final class TestPixels {

    private TestPixels() {}

    /** HWC RGB bytes as three channel planes (CHW). */
    public static byte[] chw(byte[] hwc) {
        int plane = hwc.length / 3;
        byte[] out = new byte[hwc.length];
        for (int p = 0; p < plane; p++) {
            for (int c = 0; c < 3; c++) {
                out[c * plane + p] = hwc[p * 3 + c];
            }
        }
        return out;
    }

    /** HWC RGB bytes of a {@code height x width} image, encoded as PNG. */
    public static byte[] png(byte[] hwc, int height, int width) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int at = (y * width + x) * 3;
                image.setRGB(x, y, (hwc[at] & 0xff) << 16 | (hwc[at + 1] & 0xff) << 8 | (hwc[at + 2] & 0xff));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
