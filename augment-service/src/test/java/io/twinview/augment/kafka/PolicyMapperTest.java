package io.twinview.augment.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.twinview.augment.TwoViewPolicy;
import io.twinview.augment.ViewParams;
import io.twinview.proto.v1.AugmentRecipe;
import io.twinview.proto.v1.ViewPolicy;

class PolicyMapperTest {

    @Test
    void everyFieldLandsInItsOwnParameter() {
        // distinct values so a swapped pair of fields would show
        ViewPolicy wire = ViewPolicy.newBuilder()
                .setCropScaleMin(0.11).setCropScaleMax(0.91)
                .setCropRatioMin(0.71).setCropRatioMax(1.41)
                .setFlipProbability(0.31).setJitterProbability(0.61)
                .setBrightness(0.21).setContrast(0.22).setSaturation(0.23).setHue(0.04)
                .setGrayscaleProbability(0.17)
                .setSolarizeProbability(0.13)
                .setBlurProbability(0.41).setBlurSigmaMin(0.42).setBlurSigmaMax(1.43).setBlurKernelFraction(0.14)
                .build();
        TwoViewPolicy policy = PolicyMapper.toDomain(AugmentRecipe.newBuilder().setName("simclr").setView1(wire).build());
        assertEquals(new ViewParams(0.11, 0.91, 0.71, 1.41, 0.31, 0.61, 0.21, 0.22, 0.23, 0.04, 0.17, 0.13,
                0.41, 0.42, 1.43, 0.14), policy.view1());
        assertEquals(new ViewParams(0.08, 1.0, 0.75, 4.0 / 3.0, 0.5, 0.8, 0.4, 0.4, 0.4, 0.1, 0.2, 0.0, 0.0, 0.1, 2.0, 0.1),
                policy.view2(), "unset view 2 takes the published simclr values at 32 px");
        assertEquals("simclr", policy.name());
    }

    @Test
    void fieldsAnOlderTrainerLeftUnsetComeFromTheVariantForTheTasksImageSize() {
        ViewPolicy withoutBlur = ViewPolicy.newBuilder()
                .setCropScaleMin(0.08).setCropScaleMax(1.0).setCropRatioMin(0.75).setCropRatioMax(4.0 / 3.0)
                .setFlipProbability(0.5).setJitterProbability(0.8)
                .setBrightness(0.4).setContrast(0.4).setSaturation(0.2).setHue(0.1)
                .setGrayscaleProbability(0.2).setSolarizeProbability(0.0)
                .build();
        AugmentRecipe old = AugmentRecipe.newBuilder().setName("byol").setView1(withoutBlur).setView2(withoutBlur).build();
        assertEquals(1.0, PolicyMapper.toDomain(old, 224).view1().blurProbability(), "BYOL at 224 px blurs view 1 always");
        assertEquals(0.1, PolicyMapper.toDomain(old, 224).view2().blurProbability(), "and view 2 with p=0.1");
        assertEquals(0.0, PolicyMapper.toDomain(old, 32).view1().blurProbability(), "at 32 px it never blurs");
        assertEquals(0.0, PolicyMapper.toDomain(old, 224).view2().solarizeProbability(), "a set field is kept as sent");
    }

    @Test
    void badRecipeIsRejectedNamingTheField() {
        AugmentRecipe bad = AugmentRecipe.newBuilder().setView2(ViewPolicy.newBuilder().setHue(0.9)).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PolicyMapper.toDomain(bad));
        assertTrue(e.getMessage().startsWith("augment.view2.hue = 0.9"), e.getMessage());
    }
}
