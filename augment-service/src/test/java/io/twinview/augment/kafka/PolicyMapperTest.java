package io.twinview.augment.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.augment.TwoViewPolicy;
import io.twinview.augment.ViewParams;
import io.twinview.augment.ViewParamsFixtures;
import io.twinview.proto.v1.AugmentRecipe;
import io.twinview.proto.v1.ViewPolicy;
import org.junit.jupiter.api.Test;

class PolicyMapperTest {

    @Test
    void everyFieldLandsInItsOwnParameter() {
        // distinct values so a swapped pair of fields would show
        ViewPolicy wire = ViewPolicy.newBuilder()
                .setCropScaleMin(0.11)
                .setCropScaleMax(0.91)
                .setCropRatioMin(0.71)
                .setCropRatioMax(1.41)
                .setFlipProbability(0.31)
                .setJitterProbability(0.61)
                .setBrightness(0.21)
                .setContrast(0.22)
                .setSaturation(0.23)
                .setHue(0.04)
                .setGrayscaleProbability(0.17)
                .setSolarizeProbability(0.13)
                .setBlurProbability(0.41)
                .setBlurSigmaMin(0.42)
                .setBlurSigmaMax(1.43)
                .setBlurKernelFraction(0.14)
                .build();
        TwoViewPolicy policy = PolicyMapper.toDomain(
                AugmentRecipe.newBuilder().setName("simclr").setView1(wire).build());
        assertEquals(
                ViewParamsFixtures.distinct(),
                policy.view1(),
                "every wire field lands in the domain field of its name");
        assertEquals(
                ViewParams.builder()
                        .cropScaleMin(0.08)
                        .cropScaleMax(1.0)
                        .cropRatioMin(0.75)
                        .cropRatioMax(4.0 / 3.0)
                        .flipProbability(0.5)
                        .jitterProbability(0.8)
                        .brightness(0.4)
                        .contrast(0.4)
                        .saturation(0.4)
                        .hue(0.1)
                        .grayscaleProbability(0.2)
                        .solarizeProbability(0.0)
                        .blurProbability(0.0)
                        .blurSigmaMin(0.1)
                        .blurSigmaMax(2.0)
                        .blurKernelFraction(0.1)
                        .build(),
                policy.view2(),
                "unset view 2 takes the published simclr values at 32 px");
        assertEquals("simclr", policy.name());
    }

    @Test
    void fieldsAnOlderTrainerLeftUnsetComeFromTheVariantForTheTasksImageSize() {
        ViewPolicy withoutBlur = ViewPolicy.newBuilder()
                .setCropScaleMin(0.08)
                .setCropScaleMax(1.0)
                .setCropRatioMin(0.75)
                .setCropRatioMax(4.0 / 3.0)
                .setFlipProbability(0.5)
                .setJitterProbability(0.8)
                .setBrightness(0.4)
                .setContrast(0.4)
                .setSaturation(0.2)
                .setHue(0.1)
                .setGrayscaleProbability(0.2)
                .setSolarizeProbability(0.0)
                .build();
        AugmentRecipe old = AugmentRecipe.newBuilder()
                .setName("byol")
                .setView1(withoutBlur)
                .setView2(withoutBlur)
                .build();
        assertEquals(
                1.0, PolicyMapper.toDomain(old, 224).view1().blurProbability(), "BYOL at 224 px blurs view 1 always");
        assertEquals(0.1, PolicyMapper.toDomain(old, 224).view2().blurProbability(), "and view 2 with p=0.1");
        assertEquals(0.0, PolicyMapper.toDomain(old, 32).view1().blurProbability(), "at 32 px it never blurs");
        assertEquals(0.0, PolicyMapper.toDomain(old, 224).view2().solarizeProbability(), "a set field is kept as sent");
    }

    @Test
    void badRecipeIsRejectedNamingTheField() {
        AugmentRecipe bad = AugmentRecipe.newBuilder()
                .setView2(ViewPolicy.newBuilder().setHue(0.9))
                .build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PolicyMapper.toDomain(bad));
        assertTrue(e.getMessage().startsWith("augment.view2.hue = 0.9"), e.getMessage());
    }
}
