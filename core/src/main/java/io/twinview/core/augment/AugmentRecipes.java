package io.twinview.core.augment;

import com.google.protobuf.Descriptors.FieldDescriptor;
import io.twinview.proto.v1.AugmentRecipe;
import io.twinview.proto.v1.ViewPolicy;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The published augmentation recipes, and the one place a requested recipe (name plus per-field
 * overrides, as a user puts it in a {@code RunSpec}) becomes concrete view policies.
 *
 * <p>The trainer calls {@link #resolve(AugmentRecipe, int)} at submission and sends the result to
 * workers; workers never see a partial recipe. A recipe is one entry in {@link #RECIPES}.
 *
 * <p>Variants: every recipe has its paper's ImageNet parameters (224 px) and a small-image
 * variant for CIFAR-sized runs (32 px), which drops Gaussian blur as the papers and solo-learn's
 * CIFAR configurations do (a 3-pixel kernel on 32 px images blurs away what little there is).
 * A run whose image size is at most {@value #SMALL_IMAGE_MAX} px resolves to the small-image
 * variant, a larger one to the ImageNet variant; a field the request sets wins over either.
 */
public final class AugmentRecipes {

    /** Recipe used when a request names none. */
    public static final String DEFAULT_NAME = "simclr";

    /** Largest image side (pixels) that resolves to a recipe's small-image (32 px) variant. */
    public static final int SMALL_IMAGE_MAX = 64;

    /** The image side {@link #resolve(AugmentRecipe)} and {@link #published(String)} assume: CIFAR's. */
    public static final int CIFAR_SIZE = 32;

    /**
     * Blur fields of a view that never blurs: p=0, with SimCLR's sigma range [0.1, 2.0] and kernel
     * fraction 0.1 so that raising only the probability gives the published blur.
     */
    private static final ViewPolicy NO_BLUR = ViewPolicy.newBuilder()
            .setBlurProbability(0)
            .setBlurSigmaMin(0.1)
            .setBlurSigmaMax(2.0)
            .setBlurKernelFraction(0.1)
            .build();

    /**
     * SimCLR's CIFAR-10 view at 32 px (Chen et al. 2020, https://arxiv.org/abs/2002.05709,
     * appendix A and B.9; torchvision transcription as in the authors' and solo-learn's CIFAR
     * pipelines): RandomResizedCrop(32, scale=(0.08, 1), ratio=(3/4, 4/3)), horizontal flip
     * p=0.5, ColorJitter(0.4, 0.4, 0.4, 0.1) with p=0.8 (colour strength s=0.5: 0.8s, 0.8s, 0.8s,
     * 0.2s), grayscale p=0.2. No Gaussian blur: the paper drops it for CIFAR-10.
     */
    static final ViewPolicy SIMCLR_CIFAR = NO_BLUR.toBuilder()
            .setCropScaleMin(0.08)
            .setCropScaleMax(1.0)
            .setCropRatioMin(3.0 / 4.0)
            .setCropRatioMax(4.0 / 3.0)
            .setFlipProbability(0.5)
            .setJitterProbability(0.8)
            .setBrightness(0.4)
            .setContrast(0.4)
            .setSaturation(0.4)
            .setHue(0.1)
            .setGrayscaleProbability(0.2)
            .setSolarizeProbability(0)
            .build();

    /**
     * SimCLR's ImageNet view (Chen et al. 2020, https://arxiv.org/abs/2002.05709, appendix A;
     * the authors' {@code data_util.py} with colour strength s=1.0): RandomResizedCrop(224,
     * scale=(0.08, 1), ratio=(3/4, 4/3)), horizontal flip p=0.5, ColorJitter(0.8, 0.8, 0.8, 0.2)
     * with p=0.8, grayscale p=0.2, Gaussian blur p=0.5 with sigma uniform in [0.1, 2.0] and a
     * kernel 10% of the side (23 px at 224). Both views share it.
     */
    static final ViewPolicy SIMCLR_IMAGENET = SIMCLR_CIFAR.toBuilder()
            .setBrightness(0.8)
            .setContrast(0.8)
            .setSaturation(0.8)
            .setHue(0.2)
            .setBlurProbability(0.5)
            .build();

    /**
     * BYOL's asymmetric views at 32 px (Grill et al. 2020, https://arxiv.org/abs/2006.07733, table 6;
     * CIFAR transcription as in solo-learn's {@code cifar/augmentations/asymmetric.yaml}): SimCLR's
     * crop and flip, ColorJitter(0.4, 0.4, 0.2, 0.1) with p=0.8, grayscale p=0.2, and solarization
     * p=0 in view 1, 0.2 in view 2. Gaussian blur (p=1.0 / 0.1 on ImageNet) is omitted for CIFAR.
     */
    static final ViewPolicy BYOL_CIFAR_VIEW1 =
            SIMCLR_CIFAR.toBuilder().setSaturation(0.2).build();

    static final ViewPolicy BYOL_CIFAR_VIEW2 =
            BYOL_CIFAR_VIEW1.toBuilder().setSolarizeProbability(0.2).build();

    /**
     * BYOL's ImageNet views (Grill et al. 2020, https://arxiv.org/abs/2006.07733, appendix B,
     * table 6): RandomResizedCrop(224, scale=(0.08, 1), ratio=(3/4, 4/3)), flip p=0.5,
     * ColorJitter(0.4, 0.4, 0.2, 0.1) with p=0.8, grayscale p=0.2, Gaussian blur (kernel 23 at
     * 224 px, sigma in [0.1, 2.0]) with p=1.0 in view 1 and 0.1 in view 2, solarization p=0 in
     * view 1 and 0.2 in view 2.
     */
    static final ViewPolicy BYOL_IMAGENET_VIEW1 =
            BYOL_CIFAR_VIEW1.toBuilder().setBlurProbability(1.0).build();

    static final ViewPolicy BYOL_IMAGENET_VIEW2 =
            BYOL_CIFAR_VIEW2.toBuilder().setBlurProbability(0.1).build();

    /**
     * MoCo v1's view (He et al. 2020, https://arxiv.org/abs/1911.05722, sec. 3.3; InstDisc's, as
     * {@code main_moco.py} without {@code --aug-plus}) at 32 px: RandomResizedCrop(32, scale=(0.2, 1),
     * ratio=(3/4, 4/3)), grayscale p=0.2, ColorJitter(0.4, 0.4, 0.4, 0.4) always applied, horizontal
     * flip p=0.5, no solarization. The official code grays before the jitter, our pipeline after:
     * brightness, contrast and saturation commute with the conversion (saturation and hue leave a
     * gray image gray), so the orders differ only in that here the hue shift of an image that is
     * then grayed changes its gray levels. MoCo v1 has no blur, so its ImageNet variant (crop to
     * 224) has the same parameters.
     */
    static final ViewPolicy MOCOV1_CIFAR = NO_BLUR.toBuilder()
            .setCropScaleMin(0.2)
            .setCropScaleMax(1.0)
            .setCropRatioMin(3.0 / 4.0)
            .setCropRatioMax(4.0 / 3.0)
            .setFlipProbability(0.5)
            .setJitterProbability(1.0)
            .setBrightness(0.4)
            .setContrast(0.4)
            .setSaturation(0.4)
            .setHue(0.4)
            .setGrayscaleProbability(0.2)
            .setSolarizeProbability(0)
            .build();

    /**
     * MoCo v2's view (Chen et al. 2020, "Improved Baselines with Momentum Contrastive Learning",
     * https://arxiv.org/abs/2003.04297; {@code main_moco.py --aug-plus}): SimCLR's recipe with
     * MoCo's crop, RandomResizedCrop(224, scale=(0.2, 1), ratio=(3/4, 4/3)), ColorJitter(0.4, 0.4,
     * 0.4, 0.1) with p=0.8, grayscale p=0.2, Gaussian blur sigma in [0.1, 2.0] with p=0.5,
     * horizontal flip p=0.5. Deviation: the official code blurs with PIL's
     * {@code ImageFilter.GaussianBlur(radius=sigma)}, whose extent follows sigma; we use
     * torchvision's kernel of 10% of the side truncated at 4 sigma (SimCLR's), which covers every
     * sigma in range. Both views share it.
     */
    static final ViewPolicy MOCOV2_IMAGENET = SIMCLR_CIFAR.toBuilder()
            .setCropScaleMin(0.2)
            .setBlurProbability(0.5)
            .build();

    /** MoCo v2's view at 32 px: {@link #MOCOV2_IMAGENET} without blur, as for CIFAR (solo-learn). */
    static final ViewPolicy MOCOV2_CIFAR =
            MOCOV2_IMAGENET.toBuilder().setBlurProbability(0).build();

    /** Published recipes by name, small-image and ImageNet variant: each view policy sets every field. */
    private static final Map<String, Variants> RECIPES = registry(
            new Variants(
                    recipe("simclr", SIMCLR_CIFAR, SIMCLR_CIFAR), recipe("simclr", SIMCLR_IMAGENET, SIMCLR_IMAGENET)),
            new Variants(
                    recipe("byol", BYOL_CIFAR_VIEW1, BYOL_CIFAR_VIEW2),
                    recipe("byol", BYOL_IMAGENET_VIEW1, BYOL_IMAGENET_VIEW2)),
            new Variants(recipe("mocov1", MOCOV1_CIFAR, MOCOV1_CIFAR), recipe("mocov1", MOCOV1_CIFAR, MOCOV1_CIFAR)),
            new Variants(
                    recipe("mocov2", MOCOV2_CIFAR, MOCOV2_CIFAR), recipe("mocov2", MOCOV2_IMAGENET, MOCOV2_IMAGENET)));

    /** Allowed range of every ViewPolicy field, by proto field name (torchvision's own limits). */
    private static final Map<String, Range> RANGES = Map.ofEntries(
            Map.entry("crop_scale_min", Range.openClosed(0, 1)),
            Map.entry("crop_scale_max", Range.openClosed(0, 1)),
            Map.entry("crop_ratio_min", Range.positive()),
            Map.entry("crop_ratio_max", Range.positive()),
            Map.entry("flip_probability", Range.closed(0, 1)),
            Map.entry("jitter_probability", Range.closed(0, 1)),
            Map.entry("brightness", Range.nonNegative()),
            Map.entry("contrast", Range.nonNegative()),
            Map.entry("saturation", Range.nonNegative()),
            Map.entry("hue", Range.closed(0, 0.5)),
            Map.entry("grayscale_probability", Range.closed(0, 1)),
            Map.entry("solarize_probability", Range.closed(0, 1)),
            Map.entry("blur_probability", Range.closed(0, 1)),
            Map.entry("blur_sigma_min", Range.positive()),
            Map.entry("blur_sigma_max", Range.positive()),
            Map.entry("blur_kernel_fraction", Range.closed(0, 1)));

    /** Pairs whose first field must not exceed the second. */
    private static final List<String[]> ORDERED = List.of(
            new String[] {"crop_scale_min", "crop_scale_max"},
            new String[] {"crop_ratio_min", "crop_ratio_max"},
            new String[] {"blur_sigma_min", "blur_sigma_max"});

    private AugmentRecipes() {}

    /** Names of the published recipes. */
    public static Set<String> names() {
        return RECIPES.keySet();
    }

    /** The published recipe at {@value #CIFAR_SIZE} px: {@code published(name, CIFAR_SIZE)}. */
    public static AugmentRecipe published(String name) {
        return published(name, CIFAR_SIZE);
    }

    /**
     * The published recipe for images of {@code imageSize} pixels a side, with every field set:
     * the small-image variant up to {@value #SMALL_IMAGE_MAX} px, the ImageNet one above.
     *
     * @throws IllegalArgumentException naming {@code augment.name} if there is no such recipe, or
     *         {@code image_size} if it is not positive
     */
    public static AugmentRecipe published(String name, int imageSize) {
        if (imageSize <= 0) {
            throw new IllegalArgumentException(
                    "image_size = " + imageSize + " is out of range; allowed: a number of pixels > 0");
        }
        Variants recipe = RECIPES.get(normalise(name));
        if (recipe == null) {
            throw new IllegalArgumentException("augment.name = '" + name + "' is not a known recipe; allowed: "
                    + String.join(", ", RECIPES.keySet()));
        }
        return imageSize <= SMALL_IMAGE_MAX ? recipe.small() : recipe.imagenet();
    }

    /**
     * The request resolved for a {@value #CIFAR_SIZE} px run: {@code resolve(requested, CIFAR_SIZE)}.
     * Use {@link #resolve(AugmentRecipe, int)} wherever the image size is known.
     */
    public static AugmentRecipe resolve(AugmentRecipe requested) {
        return resolve(requested, CIFAR_SIZE);
    }

    /**
     * Turns a request into a complete recipe: the named recipe's published values for this image
     * size (empty name = {@value #DEFAULT_NAME}; the small-image variant up to
     * {@value #SMALL_IMAGE_MAX} px, else the ImageNet one), overridden by every field the request
     * sets on view1 or view2. Resolving a resolved recipe returns it unchanged at any size.
     *
     * @param requested may be {@code null} or empty: the default recipe
     * @param imageSize side of the run's views in pixels
     * @return a recipe with its name and every optional field of view1 and view2 set
     * @throws IllegalArgumentException naming the field (e.g. {@code augment.view1.crop_scale_min}),
     *         the value and what is allowed, for an unknown name or an out-of-range value
     */
    public static AugmentRecipe resolve(AugmentRecipe requested, int imageSize) {
        AugmentRecipe request = requested == null ? AugmentRecipe.getDefaultInstance() : requested;
        String name = request.getName().isBlank() ? DEFAULT_NAME : request.getName();
        AugmentRecipe base = published(name, imageSize);
        AugmentRecipe resolved = AugmentRecipe.newBuilder()
                .setName(normalise(name))
                .setView1(base.getView1().toBuilder().mergeFrom(request.getView1()))
                .setView2(base.getView2().toBuilder().mergeFrom(request.getView2()))
                .build();
        validate("augment.view1", resolved.getView1());
        validate("augment.view2", resolved.getView2());
        return resolved;
    }

    private static void validate(String prefix, ViewPolicy view) {
        for (FieldDescriptor field : ViewPolicy.getDescriptor().getFields()) {
            Range range = RANGES.get(field.getName());
            if (range == null) {
                throw new IllegalStateException(
                        "ViewPolicy field " + field.getName() + " has no allowed range in AugmentRecipes.RANGES");
            }
            range.check(prefix + "." + field.getName(), (Double) view.getField(field));
        }
        for (String[] pair : ORDERED) {
            FieldDescriptor lo = ViewPolicy.getDescriptor().findFieldByName(pair[0]);
            FieldDescriptor hi = ViewPolicy.getDescriptor().findFieldByName(pair[1]);
            double low = (Double) view.getField(lo);
            double high = (Double) view.getField(hi);
            if (low > high) {
                throw new IllegalArgumentException(prefix + "." + pair[0] + " = " + low + " is above " + prefix + "."
                        + pair[1] + " = " + high + "; allowed: " + pair[0] + " <= " + pair[1]);
            }
        }
    }

    private static String normalise(String name) {
        return name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
    }

    private static AugmentRecipe recipe(String name, ViewPolicy view1, ViewPolicy view2) {
        return AugmentRecipe.newBuilder()
                .setName(name)
                .setView1(view1)
                .setView2(view2)
                .build();
    }

    private static Map<String, Variants> registry(Variants... recipes) {
        Map<String, Variants> byName = new LinkedHashMap<>();
        for (Variants variants : recipes) {
            for (AugmentRecipe recipe : List.of(variants.small(), variants.imagenet())) {
                for (ViewPolicy view : List.of(recipe.getView1(), recipe.getView2())) {
                    for (FieldDescriptor field : ViewPolicy.getDescriptor().getFields()) {
                        if (!view.hasField(field)) {
                            throw new IllegalStateException(
                                    "published recipe " + recipe.getName() + " leaves " + field.getName() + " unset");
                        }
                    }
                }
            }
            byName.put(variants.small().getName(), variants);
        }
        return Collections.unmodifiableMap(byName);
    }

    /** One recipe's two published variants: for images up to {@value #SMALL_IMAGE_MAX} px, and above. */
    private record Variants(AugmentRecipe small, AugmentRecipe imagenet) {}

    /** A closed, half-open or unbounded interval of finite doubles, with its description for messages. */
    private record Range(double min, boolean minInclusive, double max, String allowed) {

        static Range closed(double min, double max) {
            return new Range(min, true, max, "a number in [" + min + ", " + max + "]");
        }

        static Range openClosed(double min, double max) {
            return new Range(min, false, max, "a number in (" + min + ", " + max + "]");
        }

        static Range positive() {
            return new Range(0, false, Double.MAX_VALUE, "a finite number > 0");
        }

        static Range nonNegative() {
            return new Range(0, true, Double.MAX_VALUE, "a finite number >= 0");
        }

        void check(String field, double value) {
            boolean aboveMin = minInclusive ? value >= min : value > min;
            if (!(aboveMin && value <= max)) { // also rejects NaN and infinities
                throw new IllegalArgumentException(field + " = " + value + " is out of range; allowed: " + allowed);
            }
        }
    }
}
