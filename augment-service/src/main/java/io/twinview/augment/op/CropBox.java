package io.twinview.augment.op;

/**
 * A crop window in pixel coordinates of the source image: rows {@code top .. top+height-1},
 * columns {@code left .. left+width-1}. Same order as torchvision's {@code (i, j, h, w)}.
 */
public record CropBox(int top, int left, int height, int width) {

    public CropBox {
        if (top < 0 || left < 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("crop box needs top, left >= 0 and height, width > 0, got " + this);
        }
    }

    public static CropBox full(int height, int width) {
        return new CropBox(0, 0, height, width);
    }

    @Override
    public String toString() {
        return "CropBox[top=" + top + ", left=" + left + ", height=" + height + ", width=" + width + "]";
    }
}
