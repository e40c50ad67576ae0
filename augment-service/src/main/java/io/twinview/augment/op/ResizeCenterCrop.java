package io.twinview.augment.op;

/**
 * torchvision's evaluation transform {@code Compose([Resize(resizeSize), CenterCrop(cropSize)])}
 * (the ImageNet linear-probe and k-NN protocol of SimCLR, https://arxiv.org/abs/2002.05709, and
 * MoCo, https://arxiv.org/abs/1911.05722: Resize(256), CenterCrop(224)):
 * <ul>
 *   <li>Resize with an int: the shorter side becomes {@code resizeSize}, the longer
 *       {@code int(resizeSize * long / short)} (torchvision's {@code _compute_resized_output_size},
 *       truncating), bilinear with antialiasing ({@link BilinearResize}, PIL's filter).</li>
 *   <li>CenterCrop: {@code top = round((height - cropSize) / 2)}, {@code left} likewise, with
 *       Python's {@code round} (half to even), as {@code F.center_crop}.</li>
 * </ul>
 * Deterministic. {@code cropSize <= resizeSize}, so the crop always fits and torchvision's zero
 * padding never applies.
 *
 * <p>Holds a scratch buffer and a resampler: one instance per thread.
 */
public final class ResizeCenterCrop {

    private final int resizeSize;
    private final int cropSize;
    private final BilinearResize resize = new BilinearResize();
    private byte[] resized = new byte[0];

    public ResizeCenterCrop(int resizeSize, int cropSize) {
        if (cropSize <= 0 || cropSize > resizeSize) {
            throw new IllegalArgumentException("centre crop needs 0 < crop size <= resize size, got crop "
                    + cropSize + " of " + resizeSize);
        }
        this.resizeSize = resizeSize;
        this.cropSize = cropSize;
    }

    public int cropSize() {
        return cropSize;
    }

    /** Bytes of one output image: cropSize * cropSize * 3. */
    public int outputBytes() {
        return cropSize * cropSize * 3;
    }

    /**
     * Writes the centre crop of {@code src} (uint8 HWC RGB, height x width at srcOffset) resized
     * so its shorter side is resizeSize, as cropSize x cropSize x 3 uint8 HWC at dstOffset of dst.
     */
    public void apply(byte[] src, int srcOffset, int height, int width, byte[] dst, int dstOffset) {
        int outHeight;
        int outWidth;
        if (height <= width) {
            outHeight = resizeSize;
            outWidth = (int) ((long) resizeSize * width / height);
        } else {
            outWidth = resizeSize;
            outHeight = (int) ((long) resizeSize * height / width);
        }
        byte[] from = src;
        int fromOffset = srcOffset;
        if (outHeight != height || outWidth != width) {
            int bytes = outHeight * outWidth * 3;
            if (resized.length < bytes) {
                resized = new byte[bytes];
            }
            resize.resize(src, srcOffset, width, CropBox.full(height, width), resized, 0, outHeight, outWidth);
            from = resized;
            fromOffset = 0;
        }
        int top = (int) Math.rint((outHeight - cropSize) / 2.0);
        int left = (int) Math.rint((outWidth - cropSize) / 2.0);
        int row = cropSize * 3;
        for (int y = 0; y < cropSize; y++) {
            System.arraycopy(from, fromOffset + ((top + y) * outWidth + left) * 3, dst, dstOffset + y * row, row);
        }
    }
}
