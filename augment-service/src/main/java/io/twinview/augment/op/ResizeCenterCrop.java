package io.twinview.augment.op;

import java.util.SplittableRandom;

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
 * Deterministic (draws nothing). {@code cropSize <= resizeSize}, so the crop always fits and
 * torchvision's zero padding never applies.
 */
public final class ResizeCenterCrop implements ImageOp {

    private final int resizeSize;
    private final int cropSize;

    public ResizeCenterCrop(int resizeSize, int cropSize) {
        if (cropSize <= 0 || cropSize > resizeSize) {
            throw new IllegalArgumentException(
                    "centre crop needs 0 < crop size <= resize size, got crop " + cropSize + " of " + resizeSize);
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

    /** Resizes the image so its shorter side is resizeSize, then keeps its cropSize x cropSize centre. */
    @Override
    public void apply(Canvas image, SplittableRandom rng) {
        int height = image.height();
        int width = image.width();
        int outHeight;
        int outWidth;
        if (height <= width) {
            outHeight = resizeSize;
            outWidth = (int) ((long) resizeSize * width / height);
        } else {
            outWidth = resizeSize;
            outHeight = (int) ((long) resizeSize * height / width);
        }
        if (outHeight != height || outWidth != width) {
            image.resize(CropBox.full(height, width), outHeight, outWidth);
        }
        int top = (int) Math.rint((outHeight - cropSize) / 2.0);
        int left = (int) Math.rint((outWidth - cropSize) / 2.0);
        image.crop(new CropBox(top, left, cropSize, cropSize));
    }
}
