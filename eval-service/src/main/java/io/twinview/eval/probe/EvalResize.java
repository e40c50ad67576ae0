package io.twinview.eval.probe;

/**
 * The evaluation transform's geometry, shared by the probes ({@link FeatureExtractor}) and the
 * EmbedService: an image already at the run's size passes unchanged; any other is resized (bilinear,
 * pixel centres aligned) so that its shorter side is the size, then centre-cropped to a square, as
 * torchvision's {@code Resize(s) + CenterCrop(s)} evaluation transform does.
 */
public final class EvalResize {

    private EvalResize() {}

    /**
     * @param hwc uint8 RGB pixels, (height, width, 3)
     * @return {@code size * size * 3} bytes, HWC; {@code hwc} itself when it is already that size
     */
    public static byte[] toSize(byte[] hwc, int height, int width, int size) {
        if (height == size && width == size) {
            return hwc;
        }
        double scale = (double) size / Math.min(height, width);
        int h = Math.max(size, (int) Math.round(height * scale));
        int w = Math.max(size, (int) Math.round(width * scale));
        int top = (h - size) / 2;
        int left = (w - size) / 2;
        byte[] out = new byte[size * size * 3];
        double sy = (double) height / h;
        double sx = (double) width / w;
        for (int y = 0; y < size; y++) {
            double fy = Math.max(0, (y + top + 0.5) * sy - 0.5);
            int y0 = Math.min((int) fy, height - 1);
            int y1 = Math.min(y0 + 1, height - 1);
            double dy = fy - y0;
            for (int x = 0; x < size; x++) {
                double fx = Math.max(0, (x + left + 0.5) * sx - 0.5);
                int x0 = Math.min((int) fx, width - 1);
                int x1 = Math.min(x0 + 1, width - 1);
                double dx = fx - x0;
                for (int c = 0; c < 3; c++) {
                    double v = (1 - dy) * ((1 - dx) * at(hwc, width, y0, x0, c) + dx * at(hwc, width, y0, x1, c))
                            + dy * ((1 - dx) * at(hwc, width, y1, x0, c) + dx * at(hwc, width, y1, x1, c));
                    out[(y * size + x) * 3 + c] = (byte) Math.min(255, Math.round(v));
                }
            }
        }
        return out;
    }

    private static int at(byte[] hwc, int width, int y, int x, int c) {
        return hwc[(y * width + x) * 3 + c] & 0xff;
    }
}
