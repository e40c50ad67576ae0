package io.twinview.augment;

/**
 * One view's augmentation, torchvision semantics: RandomResizedCrop(scale, ratio), horizontal
 * flip with {@code flipProbability}, ColorJitter(brightness, contrast, saturation, hue) applied
 * with {@code jitterProbability}, grayscale with {@code grayscaleProbability}, Gaussian blur with
 * {@code blurProbability} (sigma uniform in {@code [blurSigmaMin, blurSigmaMax]}, kernel side
 * {@code int(blurKernelFraction * size)} made odd), solarize (invert values >= 128) with
 * {@code solarizeProbability}. The domain twin of the wire's {@code ViewPolicy}; the operations
 * validate their own values.
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
}
