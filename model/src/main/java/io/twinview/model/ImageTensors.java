package io.twinview.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Turns uint8 NHWC pixels (what travels on Kafka) into the normalised float NCHW tensor an encoder
 * takes. Normalisation is per channel with the CIFAR-10 training-set statistics, the usual choice
 * for 32 px SSL (solo-learn, the SimCLR CIFAR code).
 */
public final class ImageTensors {

    private static final float[] MEAN = {0.4914f, 0.4822f, 0.4465f};
    private static final float[] STD = {0.2470f, 0.2435f, 0.2616f};

    private ImageTensors() {}

    /** The per-channel (R, G, B) mean subtracted from pixels in [0, 1]. */
    public static float[] mean() {
        return MEAN.clone();
    }

    /** The per-channel (R, G, B) standard deviation pixels in [0, 1] are divided by. */
    public static float[] std() {
        return STD.clone();
    }

    /**
     * @param pixels n * height * width * 3 bytes, HWC per image
     * @param from index of the first image to take
     * @return (n, 3, height, width) float32 on the manager's device
     */
    public static NDArray normalized(NDManager manager, byte[] pixels, int from, int n, int height, int width) {
        int plane = height * width;
        float[] out = new float[n * 3 * plane];
        float[] scale = new float[3];
        float[] shift = new float[3];
        for (int c = 0; c < 3; c++) {
            scale[c] = 1f / (255f * STD[c]);
            shift[c] = MEAN[c] / STD[c];
        }
        for (int i = 0; i < n; i++) {
            int src = (from + i) * plane * 3;
            int dst = i * plane * 3;
            for (int p = 0; p < plane; p++) {
                for (int c = 0; c < 3; c++) {
                    out[dst + c * plane + p] = (pixels[src + p * 3 + c] & 0xff) * scale[c] - shift[c];
                }
            }
        }
        return manager.create(out, new Shape(n, 3, height, width));
    }
}
