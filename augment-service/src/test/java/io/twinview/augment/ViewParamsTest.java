package io.twinview.augment;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ViewParamsTest {

    @Test
    void everySetterLandsInTheFieldOfItsName() {
        // distinct values so a swapped pair of fields would show
        ViewParams p = ViewParams.builder()
                .cropScaleMin(0.11).cropScaleMax(0.91).cropRatioMin(0.71).cropRatioMax(1.41)
                .flipProbability(0.31).jitterProbability(0.61)
                .brightness(0.21).contrast(0.22).saturation(0.23).hue(0.04)
                .grayscaleProbability(0.17).solarizeProbability(0.13)
                .blurProbability(0.41).blurSigmaMin(0.42).blurSigmaMax(1.43).blurKernelFraction(0.14)
                .build();
        assertEquals(0.11, p.cropScaleMin());
        assertEquals(0.91, p.cropScaleMax());
        assertEquals(0.71, p.cropRatioMin());
        assertEquals(1.41, p.cropRatioMax());
        assertEquals(0.31, p.flipProbability());
        assertEquals(0.61, p.jitterProbability());
        assertEquals(0.21, p.brightness());
        assertEquals(0.22, p.contrast());
        assertEquals(0.23, p.saturation());
        assertEquals(0.04, p.hue());
        assertEquals(0.17, p.grayscaleProbability());
        assertEquals(0.13, p.solarizeProbability());
        assertEquals(0.41, p.blurProbability());
        assertEquals(0.42, p.blurSigmaMin());
        assertEquals(1.43, p.blurSigmaMax());
        assertEquals(0.14, p.blurKernelFraction());
    }

    @Test
    void defaultsTurnEveryRandomOpOff() {
        ViewParams p = ViewParams.builder().build();
        assertEquals(1.0, p.cropScaleMin(), "the crop covers the whole image");
        assertEquals(1.0, p.cropScaleMax());
        assertEquals(1.0, p.cropRatioMin(), "at the image's own aspect ratio");
        assertEquals(1.0, p.cropRatioMax());
        assertEquals(0.0, p.flipProbability());
        assertEquals(0.0, p.jitterProbability());
        assertEquals(0.0, p.brightness() + p.contrast() + p.saturation() + p.hue(), "jitter strengths 0 change nothing");
        assertEquals(0.0, p.grayscaleProbability());
        assertEquals(0.0, p.solarizeProbability());
        assertEquals(0.0, p.blurProbability());
        assertEquals(0.1, p.blurSigmaMin(), "SimCLR's sigma range, ready for when blur is switched on");
        assertEquals(2.0, p.blurSigmaMax());
        assertEquals(0.1, p.blurKernelFraction(), "SimCLR's kernel, 10% of the side");
        new ViewPipeline(p, 32); // every op accepts the defaults
    }
}
