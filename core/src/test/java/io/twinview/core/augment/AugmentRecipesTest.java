package io.twinview.core.augment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Descriptors.FieldDescriptor;
import io.twinview.proto.v1.AugmentRecipe;
import io.twinview.proto.v1.ViewPolicy;
import org.junit.jupiter.api.Test;

/** Resolution of requested recipes into complete, validated view policies. */
class AugmentRecipesTest {

    private static void assertComplete(ViewPolicy view, String which) {
        for (FieldDescriptor field : ViewPolicy.getDescriptor().getFields()) {
            assertTrue(view.hasField(field), which + "." + field.getName() + " must be set in a resolved recipe");
        }
    }

    @Test
    void emptyRequestResolvesToSimclrCifarWithEveryFieldSet() {
        for (AugmentRecipe request : new AugmentRecipe[] {null, AugmentRecipe.getDefaultInstance()}) {
            AugmentRecipe resolved = AugmentRecipes.resolve(request);
            assertEquals("simclr", resolved.getName(), "empty name means simclr");
            assertComplete(resolved.getView1(), "view1");
            assertComplete(resolved.getView2(), "view2");
            ViewPolicy v = resolved.getView1();
            assertEquals(0.08, v.getCropScaleMin());
            assertEquals(1.0, v.getCropScaleMax());
            assertEquals(0.75, v.getCropRatioMin(), 1e-12);
            assertEquals(4.0 / 3.0, v.getCropRatioMax(), 1e-12);
            assertEquals(0.5, v.getFlipProbability());
            assertEquals(0.8, v.getJitterProbability());
            assertEquals(0.4, v.getBrightness());
            assertEquals(0.4, v.getContrast());
            assertEquals(0.4, v.getSaturation());
            assertEquals(0.1, v.getHue());
            assertEquals(0.2, v.getGrayscaleProbability());
            assertEquals(resolved.getView1(), resolved.getView2(), "SimCLR views share one policy");
        }
    }

    @Test
    void setFieldsOverrideOnlyThemselvesAndOnlyInTheirView() {
        AugmentRecipe request = AugmentRecipe.newBuilder()
                .setName(" SimCLR ")
                .setView1(ViewPolicy.newBuilder().setCropScaleMin(0.2).setHue(0.0))
                .setView2(ViewPolicy.newBuilder().setGrayscaleProbability(0.0))
                .build();
        AugmentRecipe resolved = AugmentRecipes.resolve(request);
        assertEquals("simclr", resolved.getName(), "names are trimmed and case-insensitive");
        assertEquals(0.2, resolved.getView1().getCropScaleMin(), "view1 override applied");
        assertEquals(0.0, resolved.getView1().getHue(), "an override to zero is an override, not 'unset'");
        assertEquals(0.2, resolved.getView1().getGrayscaleProbability(), "view1 keeps the published grayscale p");
        assertEquals(0.08, resolved.getView2().getCropScaleMin(), "view2 keeps the published crop scale");
        assertEquals(0.0, resolved.getView2().getGrayscaleProbability(), "view2 override applied");
        assertEquals(0.1, resolved.getView2().getHue());
        assertEquals(resolved, AugmentRecipes.resolve(resolved), "resolving a resolved recipe changes nothing");
    }

    @Test
    void everyPublishedRecipeIsCompleteAndValid() {
        assertEquals(
                java.util.List.of("simclr", "byol", "mocov1", "mocov2"), java.util.List.copyOf(AugmentRecipes.names()));
        for (String name : AugmentRecipes.names()) {
            for (int size : new int[] {32, 224}) {
                AugmentRecipe recipe = AugmentRecipes.published(name, size);
                assertComplete(recipe.getView1(), name + "@" + size + ".view1");
                assertComplete(recipe.getView2(), name + "@" + size + ".view2");
                assertEquals(
                        recipe,
                        AugmentRecipes.resolve(
                                AugmentRecipe.newBuilder().setName(name).build(), size),
                        name + " at " + size + " px resolves to its published values");
            }
            assertEquals(
                    AugmentRecipes.published(name),
                    AugmentRecipes.published(name, 32),
                    "the one-argument form is 32 px");
        }
    }

    private static String rejection(ViewPolicy.Builder view1, ViewPolicy.Builder view2) {
        AugmentRecipe request =
                AugmentRecipe.newBuilder().setView1(view1).setView2(view2).build();
        return assertThrows(IllegalArgumentException.class, () -> AugmentRecipes.resolve(request))
                .getMessage();
    }

    private static String rejection1(ViewPolicy.Builder view1) {
        return rejection(view1, ViewPolicy.newBuilder());
    }

    @Test
    void unknownNameIsRejectedWithTheKnownOnes() {
        String message = assertThrows(
                        IllegalArgumentException.class,
                        () -> AugmentRecipes.resolve(
                                AugmentRecipe.newBuilder().setName("simclrr").build()))
                .getMessage();
        assertTrue(
                message.startsWith("augment.name = 'simclrr' is not a known recipe; allowed: simclr, byol"), message);
    }

    @Test
    void byolIsAsymmetricOnlyInSolarization() {
        AugmentRecipe byol = AugmentRecipes.resolve(
                AugmentRecipe.newBuilder().setName("byol").build());
        for (ViewPolicy v : new ViewPolicy[] {byol.getView1(), byol.getView2()}) {
            assertEquals(0.08, v.getCropScaleMin());
            assertEquals(1.0, v.getCropScaleMax());
            assertEquals(0.5, v.getFlipProbability());
            assertEquals(0.8, v.getJitterProbability());
            assertEquals(0.4, v.getBrightness());
            assertEquals(0.4, v.getContrast());
            assertEquals(0.2, v.getSaturation(), "BYOL's saturation is 0.2, SimCLR's 0.4");
            assertEquals(0.1, v.getHue());
            assertEquals(0.2, v.getGrayscaleProbability());
        }
        assertEquals(0.0, byol.getView1().getSolarizeProbability(), "view 1 is never solarized");
        assertEquals(0.2, byol.getView2().getSolarizeProbability(), "view 2 is solarized with p=0.2");
        assertEquals(
                byol.getView1(),
                byol.getView2().toBuilder().setSolarizeProbability(0).build(),
                "the views differ in nothing else");
    }

    @Test
    void mocov1IsInstDiscsAugmentationWithJitterAlwaysOn() {
        AugmentRecipe moco = AugmentRecipes.resolve(
                AugmentRecipe.newBuilder().setName("mocov1").build());
        ViewPolicy v = moco.getView1();
        assertEquals(0.2, v.getCropScaleMin(), "MoCo v1 crops scale (0.2, 1)");
        assertEquals(1.0, v.getCropScaleMax());
        assertEquals(0.75, v.getCropRatioMin(), 1e-12);
        assertEquals(4.0 / 3.0, v.getCropRatioMax(), 1e-12);
        assertEquals(0.5, v.getFlipProbability());
        assertEquals(1.0, v.getJitterProbability(), "ColorJitter is not wrapped in RandomApply in MoCo v1");
        assertEquals(0.4, v.getBrightness());
        assertEquals(0.4, v.getContrast());
        assertEquals(0.4, v.getSaturation());
        assertEquals(0.4, v.getHue(), "MoCo v1's hue jitter is 0.4, SimCLR's 0.1");
        assertEquals(0.2, v.getGrayscaleProbability());
        assertEquals(0.0, v.getSolarizeProbability(), "MoCo v1 never solarizes");
        assertEquals(moco.getView1(), moco.getView2(), "MoCo v1's views share one policy");
    }

    @Test
    void outOfRangeValuesNameFieldValueAndRange() {
        assertEquals(
                "augment.view1.crop_scale_min = 0.0 is out of range; allowed: a number in (0.0, 1.0]",
                rejection1(ViewPolicy.newBuilder().setCropScaleMin(0)));
        assertEquals(
                "augment.view2.crop_scale_max = 1.5 is out of range; allowed: a number in (0.0, 1.0]",
                rejection(ViewPolicy.newBuilder(), ViewPolicy.newBuilder().setCropScaleMax(1.5)));
        assertEquals(
                "augment.view1.crop_ratio_min = -1.0 is out of range; allowed: a finite number > 0",
                rejection1(ViewPolicy.newBuilder().setCropRatioMin(-1)));
        assertEquals(
                "augment.view1.flip_probability = 1.1 is out of range; allowed: a number in [0.0, 1.0]",
                rejection1(ViewPolicy.newBuilder().setFlipProbability(1.1)));
        assertEquals(
                "augment.view1.jitter_probability = -0.1 is out of range; allowed: a number in [0.0, 1.0]",
                rejection1(ViewPolicy.newBuilder().setJitterProbability(-0.1)));
        assertEquals(
                "augment.view1.brightness = -0.4 is out of range; allowed: a finite number >= 0",
                rejection1(ViewPolicy.newBuilder().setBrightness(-0.4)));
        assertEquals(
                "augment.view1.contrast = Infinity is out of range; allowed: a finite number >= 0",
                rejection1(ViewPolicy.newBuilder().setContrast(Double.POSITIVE_INFINITY)));
        assertEquals(
                "augment.view1.saturation = NaN is out of range; allowed: a finite number >= 0",
                rejection1(ViewPolicy.newBuilder().setSaturation(Double.NaN)));
        assertEquals(
                "augment.view1.hue = 0.6 is out of range; allowed: a number in [0.0, 0.5]",
                rejection1(ViewPolicy.newBuilder().setHue(0.6)));
        assertEquals(
                "augment.view1.grayscale_probability = 2.0 is out of range; allowed: a number in [0.0, 1.0]",
                rejection1(ViewPolicy.newBuilder().setGrayscaleProbability(2)));
        assertEquals(
                "augment.view1.blur_probability = 1.5 is out of range; allowed: a number in [0.0, 1.0]",
                rejection1(ViewPolicy.newBuilder().setBlurProbability(1.5)));
        assertEquals(
                "augment.view1.blur_sigma_min = 0.0 is out of range; allowed: a finite number > 0",
                rejection1(ViewPolicy.newBuilder().setBlurSigmaMin(0)));
        assertEquals(
                "augment.view2.blur_sigma_max = Infinity is out of range; allowed: a finite number > 0",
                rejection(ViewPolicy.newBuilder(), ViewPolicy.newBuilder().setBlurSigmaMax(Double.POSITIVE_INFINITY)));
        assertEquals(
                "augment.view1.blur_kernel_fraction = -0.1 is out of range; allowed: a number in [0.0, 1.0]",
                rejection1(ViewPolicy.newBuilder().setBlurKernelFraction(-0.1)));
    }

    @Test
    void minAboveMaxIsRejectedNamingBothFields() {
        assertEquals(
                "augment.view1.crop_scale_min = 0.9 is above augment.view1.crop_scale_max = 0.5;"
                        + " allowed: crop_scale_min <= crop_scale_max",
                rejection1(ViewPolicy.newBuilder().setCropScaleMin(0.9).setCropScaleMax(0.5)));
        assertEquals(
                "augment.view2.crop_ratio_min = 2.0 is above augment.view2.crop_ratio_max = 1.3333333333333333;"
                        + " allowed: crop_ratio_min <= crop_ratio_max",
                rejection(ViewPolicy.newBuilder(), ViewPolicy.newBuilder().setCropRatioMin(2)),
                "an override is checked against the published value it is combined with");
        assertEquals(
                "augment.view1.blur_sigma_min = 3.0 is above augment.view1.blur_sigma_max = 2.0;"
                        + " allowed: blur_sigma_min <= blur_sigma_max",
                rejection1(ViewPolicy.newBuilder().setBlurSigmaMin(3)));
    }

    private static AugmentRecipe resolve(String name, int size) {
        return AugmentRecipes.resolve(AugmentRecipe.newBuilder().setName(name).build(), size);
    }

    @Test
    void imageSizePicksTheVariantUpTo64PxSmallAboveImagenet() {
        assertEquals(0.0, resolve("simclr", 32).getView1().getBlurProbability(), "CIFAR-sized runs never blur");
        assertEquals(0.0, resolve("simclr", 64).getView1().getBlurProbability(), "64 px is still small-image");
        assertEquals(0.5, resolve("simclr", 65).getView1().getBlurProbability(), "above 64 px: the ImageNet recipe");
        assertEquals(0.5, resolve("simclr", 224).getView1().getBlurProbability());
        assertEquals(
                resolve("simclr", 32),
                AugmentRecipes.resolve(
                        AugmentRecipe.newBuilder().setName("simclr").build()),
                "the one-argument resolve is the 32 px one");
        assertThrows(IllegalArgumentException.class, () -> resolve("simclr", 0), "an image needs pixels");
    }

    @Test
    void overridesWinOverEitherVariantAndResolvedRecipesStayPut() {
        AugmentRecipe request = AugmentRecipe.newBuilder()
                .setName("simclr")
                .setView1(ViewPolicy.newBuilder().setBlurProbability(0.3).setBrightness(0.1))
                .build();
        for (int size : new int[] {32, 224}) {
            AugmentRecipe resolved = AugmentRecipes.resolve(request, size);
            assertEquals(0.3, resolved.getView1().getBlurProbability(), "blur override at " + size + " px");
            assertEquals(0.1, resolved.getView1().getBrightness(), "brightness override at " + size + " px");
            assertEquals(
                    size == 32 ? 0.0 : 0.5,
                    resolved.getView2().getBlurProbability(),
                    "view 2 keeps its variant's blur");
            assertEquals(
                    resolved,
                    AugmentRecipes.resolve(resolved, 256 - size),
                    "a resolved recipe resolved again, at any size, is unchanged: workers re-resolve safely");
        }
    }

    @Test
    void simclrImagenetHasColourStrengthOneAndBlurHalfTheTime() {
        AugmentRecipe simclr = resolve("simclr", 224);
        ViewPolicy v = simclr.getView1();
        assertEquals(0.08, v.getCropScaleMin());
        assertEquals(0.8, v.getJitterProbability());
        assertEquals(0.8, v.getBrightness(), "s=1.0 on ImageNet: 0.8s");
        assertEquals(0.8, v.getContrast());
        assertEquals(0.8, v.getSaturation());
        assertEquals(0.2, v.getHue(), "0.2s");
        assertEquals(0.2, v.getGrayscaleProbability());
        assertEquals(0.5, v.getBlurProbability());
        assertEquals(0.1, v.getBlurSigmaMin());
        assertEquals(2.0, v.getBlurSigmaMax());
        assertEquals(0.1, v.getBlurKernelFraction(), "kernel 10% of the side");
        assertEquals(0.0, v.getSolarizeProbability());
        assertEquals(simclr.getView1(), simclr.getView2(), "SimCLR is symmetric");
    }

    @Test
    void mocov2IsSimclrsAugmentationWithMocosCropAndBlurOnImagenetOnly() {
        for (int size : new int[] {32, 224}) {
            AugmentRecipe moco = resolve("mocov2", size);
            ViewPolicy v = moco.getView1();
            assertEquals(0.2, v.getCropScaleMin(), "MoCo v2 crops scale (0.2, 1)");
            assertEquals(1.0, v.getCropScaleMax());
            assertEquals(0.75, v.getCropRatioMin(), 1e-12);
            assertEquals(4.0 / 3.0, v.getCropRatioMax(), 1e-12);
            assertEquals(0.5, v.getFlipProbability());
            assertEquals(0.8, v.getJitterProbability(), "RandomApply([ColorJitter], p=0.8)");
            assertEquals(0.4, v.getBrightness());
            assertEquals(0.4, v.getContrast());
            assertEquals(0.4, v.getSaturation());
            assertEquals(0.1, v.getHue());
            assertEquals(0.2, v.getGrayscaleProbability());
            assertEquals(0.1, v.getBlurSigmaMin());
            assertEquals(2.0, v.getBlurSigmaMax());
            assertEquals(size == 32 ? 0.0 : 0.5, v.getBlurProbability(), "blur p=0.5 on ImageNet, none at 32 px");
            assertEquals(0.0, v.getSolarizeProbability());
            assertEquals(moco.getView1(), moco.getView2(), "MoCo v2's views share one policy");
        }
        assertEquals(resolve("mocov1", 32), resolve("mocov1", 224), "MoCo v1 has no blur: one recipe at every size");
    }

    @Test
    void byolImagenetBlursViewOneAlwaysAndSolarizesOnlyViewTwo() {
        AugmentRecipe byol = resolve("byol", 224);
        assertEquals(1.0, byol.getView1().getBlurProbability(), "BYOL table 6: blur p=1.0 in view 1");
        assertEquals(0.1, byol.getView2().getBlurProbability(), "blur p=0.1 in view 2");
        assertEquals(0.0, byol.getView1().getSolarizeProbability());
        assertEquals(0.2, byol.getView2().getSolarizeProbability());
        for (ViewPolicy v : new ViewPolicy[] {byol.getView1(), byol.getView2()}) {
            assertEquals(0.08, v.getCropScaleMin());
            assertEquals(0.8, v.getJitterProbability());
            assertEquals(0.4, v.getBrightness());
            assertEquals(0.4, v.getContrast());
            assertEquals(0.2, v.getSaturation());
            assertEquals(0.1, v.getHue());
            assertEquals(0.2, v.getGrayscaleProbability());
            assertEquals(0.1, v.getBlurKernelFraction(), "kernel 23 at 224 px");
        }
        AugmentRecipe small = resolve("byol", 32);
        assertEquals(0.0, small.getView1().getBlurProbability(), "no blur at 32 px");
        assertEquals(0.0, small.getView2().getBlurProbability());
    }
}
