package io.twinview.augment;

/**
 * One view's augmentation, torchvision semantics: RandomResizedCrop(scale, ratio), horizontal
 * flip with {@code flipProbability}, ColorJitter(brightness, contrast, saturation, hue) applied
 * with {@code jitterProbability}, grayscale with {@code grayscaleProbability}, Gaussian blur with
 * {@code blurProbability} (sigma uniform in {@code [blurSigmaMin, blurSigmaMax]}, kernel side
 * {@code int(blurKernelFraction * size)} made odd), solarize (invert values >= 128) with
 * {@code solarizeProbability}. The domain twin of the wire's {@code ViewPolicy}; the operations
 * validate their own values.
 *
 * <p>Made with {@link #builder()}, which names every field and starts from {@link Builder}'s
 * defaults: every random op off, so the view is the whole image resized.
 */
public record ViewParams(
        double cropScaleMin,
        double cropScaleMax,
        double cropRatioMin,
        double cropRatioMax,
        double flipProbability,
        double jitterProbability,
        double brightness,
        double contrast,
        double saturation,
        double hue,
        double grayscaleProbability,
        double solarizeProbability,
        double blurProbability,
        double blurSigmaMin,
        double blurSigmaMax,
        double blurKernelFraction) {

    public static Builder builder() {
        return new Builder();
    }

    /**
     * ViewParams by name. The defaults turn every random op off: crop scale and ratio [1, 1] (the
     * whole image), probabilities 0, jitter strengths 0 (no change). The blur's sigma range and
     * kernel fraction, which only matter once its probability is set, default to SimCLR's
     * [0.1, 2.0] and 0.1 (https://arxiv.org/abs/2002.05709, appendix A).
     */
    public static final class Builder {

        private double cropScaleMin = 1;
        private double cropScaleMax = 1;
        private double cropRatioMin = 1;
        private double cropRatioMax = 1;
        private double flipProbability = 0;
        private double jitterProbability = 0;
        private double brightness = 0;
        private double contrast = 0;
        private double saturation = 0;
        private double hue = 0;
        private double grayscaleProbability = 0;
        private double solarizeProbability = 0;
        private double blurProbability = 0;
        private double blurSigmaMin = 0.1;
        private double blurSigmaMax = 2.0;
        private double blurKernelFraction = 0.1;

        private Builder() {}

        public Builder cropScaleMin(double value) {
            cropScaleMin = value;
            return this;
        }

        public Builder cropScaleMax(double value) {
            cropScaleMax = value;
            return this;
        }

        public Builder cropRatioMin(double value) {
            cropRatioMin = value;
            return this;
        }

        public Builder cropRatioMax(double value) {
            cropRatioMax = value;
            return this;
        }

        public Builder flipProbability(double value) {
            flipProbability = value;
            return this;
        }

        public Builder jitterProbability(double value) {
            jitterProbability = value;
            return this;
        }

        public Builder brightness(double value) {
            brightness = value;
            return this;
        }

        public Builder contrast(double value) {
            contrast = value;
            return this;
        }

        public Builder saturation(double value) {
            saturation = value;
            return this;
        }

        public Builder hue(double value) {
            hue = value;
            return this;
        }

        public Builder grayscaleProbability(double value) {
            grayscaleProbability = value;
            return this;
        }

        public Builder solarizeProbability(double value) {
            solarizeProbability = value;
            return this;
        }

        public Builder blurProbability(double value) {
            blurProbability = value;
            return this;
        }

        public Builder blurSigmaMin(double value) {
            blurSigmaMin = value;
            return this;
        }

        public Builder blurSigmaMax(double value) {
            blurSigmaMax = value;
            return this;
        }

        public Builder blurKernelFraction(double value) {
            blurKernelFraction = value;
            return this;
        }

        public ViewParams build() {
            return new ViewParams(
                    cropScaleMin,
                    cropScaleMax,
                    cropRatioMin,
                    cropRatioMax,
                    flipProbability,
                    jitterProbability,
                    brightness,
                    contrast,
                    saturation,
                    hue,
                    grayscaleProbability,
                    solarizeProbability,
                    blurProbability,
                    blurSigmaMin,
                    blurSigmaMax,
                    blurKernelFraction);
        }
    }
}
