package io.twinview.augment.op;

import java.util.Arrays;

/**
 * Bilinear resampling of a crop of a uint8 HWC RGB image to a new size, as PIL's
 * {@code Image.resize(size, BILINEAR)} computes it (libImaging/Resample.c), which is what
 * torchvision's {@code resized_crop} runs on PIL images and what its tensor path matches with
 * {@code antialias=True}: a separable triangle filter whose support widens by the scale factor
 * when shrinking (antialiasing) and is one source pixel when enlarging, with sample centres at
 * {@code (x + 0.5) * scale} and weights renormalised where the window meets the crop's edge.
 *
 * <p>Deviation: PIL rounds the horizontal pass to 8 bits before the vertical pass; this keeps
 * the intermediate in float and rounds once (differences of at most 1 level).
 *
 * <p>Holds scratch buffers that grow to the largest sizes seen: one instance per thread.
 */
public final class BilinearResize {

    /** Triangle filter support in source pixels at scale 1 (PIL's {@code bilinear_filter}). */
    private static final double SUPPORT = 1.0;

    private final Axis xAxis = new Axis();
    private final Axis yAxis = new Axis();
    /** Horizontal pass result: one array of outWidth RGB floats per crop row. */
    private float[][] rows = new float[0][];
    /** Vertical pass accumulator: one output row of RGB floats. */
    private float[] acc = new float[0];
    /** One output row rounded to uint8, before it is copied into place. */
    private byte[] out = new byte[0];

    /**
     * Resamples {@code box} of {@code src} (uint8 HWC RGB, {@code srcWidth} pixels per row, starting
     * at {@code srcOffset}) to {@code outHeight x outWidth}, written at {@code dstOffset} of dst.
     */
    public void resize(
            byte[] src,
            int srcOffset,
            int srcWidth,
            CropBox box,
            byte[] dst,
            int dstOffset,
            int outHeight,
            int outWidth) {
        resize(src, srcOffset, srcWidth, box, dst, dstOffset, outHeight, outWidth, false);
    }

    /**
     * As {@link #resize(byte[], int, int, CropBox, byte[], int, int, int)}, mirrored left to right
     * when {@code mirrored}: the same bytes as resizing then {@link HorizontalFlip#flip}, without
     * the extra pass (each output column is computed on its own, so it is only written elsewhere).
     */
    public void resize(
            byte[] src,
            int srcOffset,
            int srcWidth,
            CropBox box,
            byte[] dst,
            int dstOffset,
            int outHeight,
            int outWidth,
            boolean mirrored) {
        xAxis.compute(box.width(), outWidth);
        yAxis.compute(box.height(), outHeight);
        int outRow = outWidth * 3;
        if (rows.length < box.height() || rows[0].length < outRow) {
            int length = Math.max(outRow, rows.length == 0 ? 0 : rows[0].length);
            rows = new float[Math.max(box.height(), rows.length)][length];
        }
        if (acc.length < outRow) {
            acc = new float[outRow];
            out = new byte[outRow];
        }

        // horizontal pass over only the crop rows some output row reads
        int yFrom = yAxis.first[0];
        int yTo = yAxis.first[outHeight - 1] + yAxis.count[outHeight - 1];
        int[] xFirst = xAxis.first;
        int[] xCount = xAxis.count;
        float[] xWeight = xAxis.weight;
        int xTaps = xAxis.taps;
        for (int y = yFrom; y < yTo; y++) {
            int rowStart = srcOffset + ((box.top() + y) * srcWidth + box.left()) * 3;
            float[] row = rows[y];
            int o = mirrored ? (outWidth - 1) * 3 : 0;
            int step = mirrored ? -3 : 3;
            for (int ox = 0; ox < outWidth; ox++, o += step) {
                int p = rowStart + xFirst[ox] * 3;
                int wi = ox * xTaps;
                float r = 0;
                float g = 0;
                float b = 0;
                for (int k = 0, n = xCount[ox]; k < n; k++, p += 3) {
                    float w = xWeight[wi + k];
                    r += w * (src[p] & 0xFF);
                    g += w * (src[p + 1] & 0xFF);
                    b += w * (src[p + 2] & 0xFF);
                }
                row[o] = r;
                row[o + 1] = g;
                row[o + 2] = b;
            }
        }

        // vertical pass: each output row is a weighted sum of whole horizontal-pass rows; the
        // loops run over whole arrays from index 0, the form C2 vectorises
        int[] yFirst = yAxis.first;
        int[] yCount = yAxis.count;
        float[] yWeight = yAxis.weight;
        int yTaps = yAxis.taps;
        for (int oy = 0; oy < outHeight; oy++) {
            Arrays.fill(acc, 0, outRow, 0f);
            int wi = oy * yTaps;
            for (int k = 0, n = yCount[oy]; k < n; k++) {
                addScaled(acc, rows[yFirst[oy] + k], yWeight[wi + k], outRow);
            }
            toUint8(out, acc, outRow);
            System.arraycopy(out, 0, dst, dstOffset + oy * outRow, outRow);
        }
    }

    /** {@code acc[i] += w * row[i]} for i < n. */
    private static void addScaled(float[] acc, float[] row, float w, int n) {
        for (int i = 0; i < n; i++) {
            acc[i] += w * row[i];
        }
    }

    /** Nearest uint8 of each value; the triangle weights are >= 0 and sum to 1, so no clamp. */
    private static void toUint8(byte[] dst, float[] src, int n) {
        for (int i = 0; i < n; i++) {
            dst[i] = (byte) (int) (src[i] + 0.5f);
        }
    }

    /** PIL's {@code bilinear_filter}: 1 - |x| on (-1, 1), else 0. */
    private static double triangle(double x) {
        double t = Math.abs(x);
        return t < 1.0 ? 1.0 - t : 0.0;
    }

    /** Filter taps along one axis: output index -> first source index, tap count, weights. */
    private static final class Axis {
        int[] first = new int[0];
        int[] count = new int[0];
        float[] weight = new float[0];
        /** Stride of {@link #weight} per output index. */
        int taps;

        /** PIL's {@code precompute_coeffs} for the whole crop [0, inSize) mapped onto [0, outSize). */
        void compute(int inSize, int outSize) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = SUPPORT * filterScale;
            taps = (int) Math.ceil(support) * 2 + 1;
            if (first.length < outSize) {
                first = new int[outSize];
                count = new int[outSize];
            }
            if (weight.length < outSize * taps) {
                weight = new float[outSize * taps];
            }
            double inverse = 1.0 / filterScale;
            for (int o = 0; o < outSize; o++) {
                double center = (o + 0.5) * scale;
                int min = Math.max(0, (int) (center - support + 0.5));
                int max = Math.min(inSize, (int) (center + support + 0.5));
                int n = max - min;
                double total = 0;
                for (int k = 0; k < n; k++) {
                    total += triangle((k + min - center + 0.5) * inverse);
                }
                int wi = o * taps;
                for (int k = 0; k < n; k++) {
                    weight[wi + k] = (float) (triangle((k + min - center + 0.5) * inverse) / total);
                }
                first[o] = min;
                count[o] = n;
            }
        }
    }
}
