package io.twinview.trainer.method;

import ai.djl.nn.Block;
import io.twinview.proto.v1.ByolSettings;
import io.twinview.proto.v1.PredictorSpec;
import io.twinview.proto.v1.ProjectorSpec;
import io.twinview.trainer.loss.NegativeCosine;
import java.util.Map;

/**
 * BYOL: "Bootstrap your own latent: A new approach to self-supervised learning", Grill, Strub,
 * Altché, Tallec, Richemond et al., NeurIPS 2020, https://arxiv.org/abs/2006.07733.
 *
 * <p>Online network: encoder, projector g (Linear-BN-ReLU-Linear), predictor q (Linear-BN-ReLU-Linear).
 * Target network: encoder and projector as an EMA of the online ones ({@link EmaTarget}), tau on a
 * cosine from {@code byol.tau_base} to 1. Loss (eq. 2, symmetrised as in sec. 3.1):
 * reg(q(z1), sg(z'2)) + reg(q(z2), sg(z'1)) with reg = 2 - 2 cos; no negatives.
 *
 * <p>CIFAR settings in the literature: solo-learn {@code scripts/pretrain/cifar/byol.yaml} (ResNet-18,
 * 1000 epochs): projector 4096-256, predictor hidden 4096, LARS lr 1.0 x batch/256 (eta 0.02,
 * biases and BN excluded), wd 1e-5, batch 256, warmup + cosine, tau 0.99 -> 1, views of
 * {@code cifar/augmentations/asymmetric.yaml} (our recipe {@code byol}). The paper's ImageNet
 * values: 4096-256 heads, LARS lr 0.2 x batch/256, wd 1.5e-6, tau_base 0.996, 1000 epochs at 4096.
 *
 * <p>CPU-budget default ({@link Recipe#cpuBudget}, batch 64, 25 epochs): projector hidden = the
 * encoder's width, output 128; predictor 128-512-128 at 10x the rate of the rest
 * ({@code byol.predictor.lr_scale}, the relative predictor rate alpha_p of Tian et al. 2021,
 * https://arxiv.org/abs/2102.06810, whose analysis has the predictor adapt faster than the encoder);
 * tau_base 0.95. Deviations and why: BYOL needs long training, and the paper's LARS recipe barely
 * moves in a few hundred steps where Adam learns fast on a small network; tau_base 0.95 instead of
 * 0.99 because the EMA's time constant 1/(1 - tau) must be short against the run. How each choice
 * was measured: docs/recipes.md.
 */
public final class Byol extends PredictorMethod {

    private static final ByolSettings DEFAULTS = ByolSettings.newBuilder()
            .setProjector(ProjectorSpec.newBuilder().setOutputDim(128).setLayers(2)) // hidden: the encoder's width
            .setPredictor(
                    PredictorSpec.newBuilder().setHiddenDim(512).setLrScale(10).setFixedLr(false))
            .setTauBase(0.95)
            .build();

    private static final Map<String, SettingCheck> CHECKS = Map.of("tau_base", SettingCheck.rate());

    public static final MethodDefinition<ByolSettings> DEFINITION = new MethodDefinition<>(
            "byol", "https://arxiv.org/abs/2006.07733", Recipe.cpuBudget(64, 25, "byol"), DEFAULTS, CHECKS, Byol::new);

    /** The projector is Linear-BN-ReLU-Linear (sec. 3.3), without BN on its output. */
    public Byol(MethodContext context, ByolSettings settings) {
        this(context, settings, Heads.projector(settings.getProjector(), false, context, "projector"));
    }

    private Byol(MethodContext context, ByolSettings settings, Block projector) {
        super(
                context,
                projector,
                new LearnedPredictor(
                        settings.getPredictor(), settings.getProjector().getOutputDim(), context),
                new EmaTarget(context, projector, Heads.mlp(settings.getProjector(), false), settings.getTauBase()),
                NegativeCosine::symmetricRegression);
    }
}
