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
                .build();
        TwoViewPolicy policy = PolicyMapper.toDomain(AugmentRecipe.newBuilder().setName("simclr").setView1(wire).build());
        assertEquals(new ViewParams(0.11, 0.91, 0.71, 1.41, 0.31, 0.61, 0.21, 0.22, 0.23, 0.04, 0.17, 0.13), policy.view1());
        assertEquals(new ViewParams(0.08, 1.0, 0.75, 4.0 / 3.0, 0.5, 0.8, 0.4, 0.4, 0.4, 0.1, 0.2, 0.0), policy.view2(),
                "unset view 2 takes the published simclr values");
        assertEquals("simclr", policy.name());
    }

    @Test
    void badRecipeIsRejectedNamingTheField() {
        AugmentRecipe bad = AugmentRecipe.newBuilder().setView2(ViewPolicy.newBuilder().setHue(0.9)).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PolicyMapper.toDomain(bad));
        assertTrue(e.getMessage().startsWith("augment.view2.hue = 0.9"), e.getMessage());
    }
}
