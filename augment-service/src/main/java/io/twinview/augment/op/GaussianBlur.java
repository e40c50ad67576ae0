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
 * <p>Immutable and thread-safe; scratch comes from the caller's {@link Workspace}.
 */
public final class GaussianBlur {

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
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("blur probability must be in [0, 1], got " + p);
        }
        if (!(sigmaMin > 0 && sigmaMin <= sigmaMax && Double.isFinite(sigmaMax))) {
            throw new IllegalArgumentException("blur sigma needs 0 < min <= max < inf, got [" + sigmaMin + ", " + sigmaMax + "]");
        }
        if (kernelSize < 1 || kernelSize % 2 == 0) {
            throw new IllegalArgumentException("blur kernel size must be odd and >= 1, got " + kernelSize);
        }
        this.p = p;
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

    /**
     * Blurs the height x width uint8 HWC RGB image at offset in place with probability p; returns
     * whether it did. Draws one number for the coin and, when applied, one for sigma.
     */
    public boolean apply(byte[] img, int offset, int height, int width, SplittableRandom rng, Workspace workspace) {
        if (rng.nextDouble() < p) {
            double sigma = RandomResizedCrop.uniform(rng, sigmaMin, sigmaMax);
            blur(img, offset, height, width, sigma, kernelSize, workspace);
            return true;
        }
        return false;
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
    public static void blur(byte[] img, int offset, int height, int width, double sigma, int kernelSize,
                            Workspace workspace) {
        double[] half = halfKernel(sigma, kernelSize);
        int radius = half.length - 1;
        if (radius == 0) {
            return; // a one-tap kernel normalised to 1 is the identity
        }
        float[] w = new float[radius + 1];
        for (int j = 0; j <= radius; j++) {
            w[j] = (float) half[j];
        }
        int row = width * 3;
        int padded = row + 2 * radius * 3;
        float[] pad = workspace.pad(padded);
        float[] rows = workspace.rows(height * row);
        float[] acc = workspace.acc(row);
        int[] mirror = workspace.mirror(Math.max(width, height) + 2 * radius);

        // horizontal pass: each row into a reflect-padded float row, then a symmetric FIR per tap
        for (int x = -radius; x < width + radius; x++) {
            mirror[x + radius] = reflect(x, width);
        }
        int r3 = radius * 3;
        for (int y = 0; y < height; y++) {
            int src = offset + y * row;
            for (int x = 0; x < width + 2 * radius; x++) {
                int s = src + mirror[x] * 3;
                int d = x * 3;
                pad[d] = img[s] & 0xFF;
                pad[d + 1] = img[s + 1] & 0xFF;
                pad[d + 2] = img[s + 2] & 0xFF;
            }
            int o = y * row;
            float w0 = w[0];
            for (int i = 0; i < row; i++) {
                rows[o + i] = w0 * pad[r3 + i];
            }
            for (int j = 1; j <= radius; j++) {
                float wj = w[j];
                int left = r3 - 3 * j;
                int right = r3 + 3 * j;
                for (int i = 0; i < row; i++) {
                    rows[o + i] += wj * (pad[left + i] + pad[right + i]);
                }
            }
        }

        // vertical pass: each output row is a symmetric weighted sum of whole rows
        for (int y = -radius; y < height + radius; y++) {
            mirror[y + radius] = reflect(y, height);
        }
        for (int y = 0; y < height; y++) {
            int c = y * row;
            float w0 = w[0];
            for (int i = 0; i < row; i++) {
                acc[i] = w0 * rows[c + i];
            }
            for (int j = 1; j <= radius; j++) {
                float wj = w[j];
                int up = mirror[y - j + radius] * row;
                int down = mirror[y + j + radius] * row;
                for (int i = 0; i < row; i++) {
                    acc[i] += wj * (rows[up + i] + rows[down + i]);
                }
            }
            int d = offset + c;
            for (int i = 0; i < row; i++) {
                // a convex combination of 0..255 stays in range: no clamp needed
                img[d + i] = (byte) (int) (acc[i] + 0.5f);
            }
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
        private float[] pad = new float[0];
        private float[] rows = new float[0];
        private float[] acc = new float[0];
        private int[] mirror = new int[0];

        float[] pad(int n) {
            if (pad.length < n) {
                pad = new float[n];
            }
            return pad;
        }

        float[] rows(int n) {
            if (rows.length < n) {
                rows = new float[n];
            }
            return rows;
        }

        float[] acc(int n) {
            if (acc.length < n) {
                acc = new float[n];
            }
            return acc;
        }

        int[] mirror(int n) {
            if (mirror.length < n) {
                mirror = new int[n];
            }
            return mirror;
        }
    }
}
