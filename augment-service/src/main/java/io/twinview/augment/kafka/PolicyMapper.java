package io.twinview.augment.kafka;

import io.twinview.augment.TwoViewPolicy;
import io.twinview.augment.ViewParams;
import io.twinview.core.augment.AugmentRecipes;
import io.twinview.proto.v1.AugmentRecipe;
import io.twinview.proto.v1.ViewPolicy;

/** Converts the wire's augmentation recipe into the augmenter's domain types, at the Kafka edge. */
public final class PolicyMapper {

    private PolicyMapper() {}

    /** The recipe for a {@value AugmentRecipes#CIFAR_SIZE} px run: {@code toDomain(recipe, CIFAR_SIZE)}. */
    public static TwoViewPolicy toDomain(AugmentRecipe recipe) {
        return toDomain(recipe, AugmentRecipes.CIFAR_SIZE);
    }

    /**
     * The recipe a task carries, as a {@link TwoViewPolicy}, for views of {@code imageSize} pixels.
     * Tasks carry recipes the trainer resolved; resolving again is a no-op on those and fills any
     * field an older trainer left unset (the blur fields, say) with the published value for that
     * image size, so a worker never guesses.
     *
     * @throws IllegalArgumentException naming the field, as {@link AugmentRecipes#resolve(AugmentRecipe, int)} does
     */
    public static TwoViewPolicy toDomain(AugmentRecipe recipe, int imageSize) {
        AugmentRecipe resolved = AugmentRecipes.resolve(recipe, imageSize);
        return new TwoViewPolicy(resolved.getName(), toDomain(resolved.getView1()), toDomain(resolved.getView2()));
    }

    /** A complete ViewPolicy (every field set) as ViewParams. */
    static ViewParams toDomain(ViewPolicy p) {
        return ViewParams.builder()
                .cropScaleMin(p.getCropScaleMin())
                .cropScaleMax(p.getCropScaleMax())
                .cropRatioMin(p.getCropRatioMin())
                .cropRatioMax(p.getCropRatioMax())
                .flipProbability(p.getFlipProbability())
                .jitterProbability(p.getJitterProbability())
                .brightness(p.getBrightness())
                .contrast(p.getContrast())
                .saturation(p.getSaturation())
                .hue(p.getHue())
                .grayscaleProbability(p.getGrayscaleProbability())
                .solarizeProbability(p.getSolarizeProbability())
                .blurProbability(p.getBlurProbability())
                .blurSigmaMin(p.getBlurSigmaMin())
                .blurSigmaMax(p.getBlurSigmaMax())
                .blurKernelFraction(p.getBlurKernelFraction())
                .build();
    }
}
