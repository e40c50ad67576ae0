package io.twinview.augment;

/** View parameters for tests of the mapping and the builder. */
public final class ViewParamsFixtures {

    private ViewParamsFixtures() {}

    /** Every field set, each to a value no other field has: a swapped pair of fields would show. */
    public static ViewParams distinct() {
        return ViewParams.builder()
                .cropScaleMin(0.11)
                .cropScaleMax(0.91)
                .cropRatioMin(0.71)
                .cropRatioMax(1.41)
                .flipProbability(0.31)
                .jitterProbability(0.61)
                .brightness(0.21)
                .contrast(0.22)
                .saturation(0.23)
                .hue(0.04)
                .grayscaleProbability(0.17)
                .solarizeProbability(0.13)
                .blurProbability(0.41)
                .blurSigmaMin(0.42)
                .blurSigmaMax(1.43)
                .blurKernelFraction(0.14)
                .build();
    }
}
