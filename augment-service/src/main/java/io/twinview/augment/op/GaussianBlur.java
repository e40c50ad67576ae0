package io.twinview.augment.op;

import java.util.SplittableRandom;

/**
 * torchvision {@code RandomApply([GaussianBlur(kernel_size, sigma=(sigmaMin, sigmaMax))], p)} as
 * SimCLR (Chen et al. 2020, https://arxiv.org/abs/2002.05709, appendix A: "kernel size 10% of
 * the image height/width", sigma uniform in [0.1, 2.0], p=0.5) and BYOL (Grill et al. 2020,
 * https://arxiv.org/abs/2006.07733, table 6: kernel 23 at 224 px, p=1.0 in view 1 and 0.1 in
 * view 2) apply it: with probability {@code p}, sigma is drawn uniformly in
 * {@code [sigmaMin, sigmaMax]} ({@code GaussianBlur.get_params}) and the image is convolved with
 * the separable kernel {@code exp(-x^2 / (2 sigma^2))}, x = -(k-1)/2 .. (k-1)/2, normalised to sum
 * 1 ({@code _get_gaussian_kernel1d}), rows then columns, with {@code "reflect"} padding (the edge
 * pixel is not repeated: index -1 reads 1, index w reads w-2), as torchvision's
 * {@code F.gaussian_blur} pads.
 *
 * <p>Kernel size: {@link #kernelSize} = {@code int(fraction * side)}, plus one if even (SimCLR's
 * and BYOL's {@code int(0.1 * 224) = 22 -> 23}).
 *
 * <p>Deviations, all invisible or nearly so in uint8:
 * <ul>
 *   <li>The kernel is truncated at {@value #TRUNCATE_SIGMAS} sigma (radius
 *       {@code min((k-1)/2, ceil(4 sigma))}) and renormalised: the Gaussian mass beyond 4 sigma is
 *       below 1e-4, so a pixel moves by at most 255 * 1e-4 = 0.03 levels before rounding. At
 *       sigma 2 and 224 px this is 17 taps instead of 23.</li>
 *   <li>Arithmetic is float with one rounding to nearest at the end (halves up); torchvision
 *       rounds half to even. The horizontal pass is kept in float, not rounded to uint8.</li>
 *   <li>Reflection is applied again for a radius at or above the side (torchvision rejects such
 *       a padding; only images a few pixels wide reach it).</li>
 * </ul>
 *
 * <p>Immutable and thread-safe; scratch is the canvas's {@link Workspace}.
 */
public final class GaussianBlur implements ImageOp {

    /** The kernel is cut where the Gaussian falls below exp(-8) of its peak: mass beyond is < 1e-4. */
    public static final double TRUNCATE_SIGMAS = 4.0;

    private final double p;
    private final double sigmaMin;
    private final double sigmaMax;
    private final int kernelSize;

    /**
     * @param kernelSize odd torchvision kernel size (see {@link #kernelSize(double, int)}); 1 is the identity
     */
    public GaussianBlur(double p, double sigmaMin, double sigmaMax, int kernelSize) {
        if (!(sigmaMin > 0 && sigmaMin <= sigmaMax && Double.isFinite(sigmaMax))) {
            throw new IllegalArgumentException(
                    "blur sigma needs 0 < min <= max < inf, got [" + sigmaMin + ", " + sigmaMax + "]");
        }
        if (kernelSize < 1 || kernelSize % 2 == 0) {
            throw new IllegalArgumentException("blur kernel size must be odd and >= 1, got " + kernelSize);
        }
        this.p = RandomApply.probability("blur", p);
        this.sigmaMin = sigmaMin;
        this.sigmaMax = sigmaMax;
        this.kernelSize = kernelSize;
    }

    /**
     * SimCLR's kernel size for a side of {@code side} pixels: {@code int(fraction * side)}, plus
     * one if even, so 0.1 gives 23 at 224 px, 9 at 96 px, 3 at 32 px.
     */
    public static int kernelSize(double fraction, int side) {
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException("blur kernel fraction must be in [0, 1], got " + fraction);
        }
        int k = (int) (fraction * side);
        return k % 2 == 0 ? k + 1 : k;
    }

    public int kernelSize() {
        return kernelSize;
    }

    /** Blurs the image with probability p. Draws one number for the coin and, when applied, one for sigma. */
    @Override
    public void apply(Canvas image, SplittableRandom rng) {
        if (rng.nextDouble() < p) {
            double sigma = RandomResizedCrop.uniform(rng, sigmaMin, sigmaMax);
            blur(
                    image.pixels(),
                    image.offset(),
                    image.height(),
                    image.width(),
                    sigma,
                    kernelSize,
                    image.scratch(Workspace.class, Workspace::new));
        }
    }

    /**
     * The normalised half kernel: element j is the weight of the taps at distance j, for
     * j = 0 .. radius, radius = {@code min((kernelSize-1)/2, ceil(4 sigma))}; the full kernel is
     * that mirrored, so weights[0] + 2 * (weights[1] + ...) = 1.
     */
    public static double[] halfKernel(double sigma, int kernelSize) {
        int radius = Math.min((kernelSize - 1) / 2, (int) Math.ceil(TRUNCATE_SIGMAS * sigma));
        double[] weights = new double[radius + 1];
        double total = 0;
        for (int j = 0; j <= radius; j++) {
            weights[j] = Math.exp(-0.5 * (j / sigma) * (j / sigma));
            total += j == 0 ? weights[j] : 2 * weights[j];
        }
        for (int j = 0; j <= radius; j++) {
            weights[j] /= total;
        }
        return weights;
    }

    /** Blurs the height x width uint8 HWC RGB image at offset in place with this sigma. */
    public static void blur(
            byte[] img, int offset, int height, int width, double sigma, int kernelSize, Workspace workspace) {
        double[] half = halfKernel(sigma, kernelSize);
        int radius = half.length - 1;
        if (radius == 0) {
            return; // a one-tap kernel normalised to 1 is the identity
        }
        float[] w = workspace.weights(radius + 1);
        for (int j = 0; j <= radius; j++) {
            w[j] = (float) half[j];
        }
        int row = width * 3;
        int r3 = radius * 3;
        float[] pad = workspace.pad(row + 2 * r3);
        float[] left = workspace.left(row);
        float[] right = workspace.right(row);
        float[][] rows = workspace.rows(height, row);
        int[] mirror = workspace.mirror(Math.max(width, height) + 2 * radius);

        // horizontal pass: each row into a reflect-padded float row; each tap pair's two shifted
        // windows copied out so the multiply-add runs on whole arrays
        for (int x = -radius; x < width + radius; x++) {
            mirror[x + radius] = reflect(x, width);
        }
        byte[] bytes = workspace.bytes(row);
        for (int y = 0; y < height; y++) {
            int src = offset + y * row;
            System.arraycopy(img, src, bytes, 0, row);
            toFloat(left, bytes, row);
            System.arraycopy(left, 0, pad, r3, row);
            for (int x = 0; x < radius; x++) { // the reflected margins
                int l = mirror[x] * 3;
                int r = mirror[width + radius + x] * 3;
                for (int c = 0; c < 3; c++) {
                    pad[3 * x + c] = left[l + c];
                    pad[r3 + row + 3 * x + c] = left[r + c];
                }
            }
            float[] out = rows[y];
            scale(out, left, w[0], row); // left still holds the row itself: the centre tap
            for (int j = 1; j <= radius; j++) {
                System.arraycopy(pad, r3 - 3 * j, left, 0, row);
                System.arraycopy(pad, r3 + 3 * j, right, 0, row);
                addPair(out, left, right, w[j], row);
            }
        }

        // vertical pass: each output row is a symmetric weighted sum of whole rows
        for (int y = -radius; y < height + radius; y++) {
            mirror[y + radius] = reflect(y, height);
        }
        float[] acc = left;
        for (int y = 0; y < height; y++) {
            scale(acc, rows[y], w[0], row);
            for (int j = 1; j <= radius; j++) {
                addPair(acc, rows[mirror[y - j + radius]], rows[mirror[y + j + radius]], w[j], row);
            }
            toUint8(bytes, acc, row);
            System.arraycopy(bytes, 0, img, offset + y * row, row);
        }
    }

    /** {@code dst[i] = src[i] & 0xFF} for i < n. */
    private static void toFloat(float[] dst, byte[] src, int n) {
        for (int i = 0; i < n; i++) {
            dst[i] = src[i] & 0xFF;
        }
    }

    /** Nearest uint8 of each value; a convex combination of 0..255 stays in range, so no clamp. */
    private static void toUint8(byte[] dst, float[] src, int n) {
        for (int i = 0; i < n; i++) {
            dst[i] = (byte) (int) (src[i] + 0.5f);
        }
    }

    /*
     * The multiply-adds work on whole arrays from index 0: C2 (JDK 17) vectorises these loops
     * with AVX, and leaves them scalar when the operands sit at different run-time offsets of
     * one array, which made the first version of this blur 5x slower.
     */

    /** {@code dst[i] = w * src[i]} for i < n. */
    private static void scale(float[] dst, float[] src, float w, int n) {
        for (int i = 0; i < n; i++) {
            dst[i] = w * src[i];
        }
    }

    /** {@code dst[i] += w * (a[i] + b[i])} for i < n: one symmetric tap pair. */
    private static void addPair(float[] dst, float[] a, float[] b, float w, int n) {
        for (int i = 0; i < n; i++) {
            dst[i] += w * (a[i] + b[i]);
        }
    }

    /** torch's "reflect" padding index (edge not repeated), folded again for indices past the other edge. */
    static int reflect(int x, int size) {
        if (size == 1) {
            return 0;
        }
        int period = 2 * (size - 1);
        int m = Math.floorMod(x, period);
        return m < size ? m : period - m;
    }

    /** Per-thread scratch buffers, grown to the largest image seen. */
    public static final class Workspace {
        private float[] weights = new float[0];
        private float[] pad = new float[0];
        private float[] left = new float[0];
        private float[] right = new float[0];
        private float[][] rows = new float[0][];
        private int[] mirror = new int[0];
        private byte[] bytes = new byte[0];

        byte[] bytes(int n) {
            return bytes = bytes.length < n ? new byte[n] : bytes;
        }

        float[] weights(int n) {
            return weights = weights.length < n ? new float[n] : weights;
        }

        float[] pad(int n) {
            return pad = pad.length < n ? new float[n] : pad;
        }

        float[] left(int n) {
            return left = left.length < n ? new float[n] : left;
        }

        float[] right(int n) {
            return right = right.length < n ? new float[n] : right;
        }

        /** {@code count} rows of at least {@code length} floats each. */
        float[][] rows(int count, int length) {
            if (rows.length < count || rows[0].length < length) {
                rows = new float[Math.max(count, rows.length)][Math.max(length, rows.length == 0 ? 0 : rows[0].length)];
            }
            return rows;
        }

        int[] mirror(int n) {
            return mirror = mirror.length < n ? new int[n] : mirror;
        }
    }
}
