package io.twinview.trainer.train;

/**
 * A global batch of view pairs, uint8 NHWC as they travel.
 *
 * @param view1 count * height * width * 3 bytes
 * @param view2 same layout, row i the pair of view1's row i
 * @param samples dataset index of each pair
 */
public record PairBatch(byte[] view1, byte[] view2, int count, int height, int width, long[] samples) {

    public PairBatch {
        if (samples.length != count) {
            throw new IllegalArgumentException(
                    count + " pairs need " + count + " sample indices, got " + samples.length);
        }
        long expected = (long) count * height * width * 3;
        if (view1.length != expected || view2.length != expected) {
            throw new IllegalArgumentException("views of " + count + " x " + height + "x" + width + "x3 need "
                    + expected + " bytes each, got " + view1.length + " and " + view2.length);
        }
    }
}
