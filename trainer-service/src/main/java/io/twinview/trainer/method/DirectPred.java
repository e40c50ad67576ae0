package io.twinview.trainer.method;

import ai.djl.nn.Block;
import io.twinview.proto.v1.DirectPredSettings;
import io.twinview.proto.v1.ProjectorSpec;
import io.twinview.trainer.loss.NegativeCosine;
import java.util.Map;

/**
 * DirectPred: "Understanding self-supervised learning dynamics without contrastive pairs", Tian,
 * Chen, Ganguli, ICML 2021, https://arxiv.org/abs/2102.06810.
 *
 * <p>BYOL (Grill et al. 2020, https://arxiv.org/abs/2006.07733) whose predictor is computed, not
 * learned: the online encoder and projector, the EMA target network of {@link EmaTarget} (tau on
 * BYOL's cosine schedule from {@code directpred.tau_base} to 1), BYOL's symmetric loss
 * 2 - 2 cos(p, sg(z')) over both view orders, and the linear {@link DirectPredictor} set from the
 * eigendecomposition of its input correlation.
 *
 * <p>Paper settings: rho 0.3, eps 0.01, frequency 1 (the authors' README command for DirectPred:
 * {@code trainer.predictor_freq=1 trainer.dyn_lambda=0.3 trainer.dyn_eps=0.01
 * trainer.balance_type=boost_scale}, facebookresearch/luckmatters ssl/real-dataset). Their STL-10 /
 * CIFAR-10 runs (config/byol_config.yaml): ResNet-18, projector 512-128, SGD lr 0.03 momentum 0.9
 * wd 4e-4, batch 128, target momentum 0.996 held constant, 100 epochs, BYOL's augmentations.
 *
 * <p>CPU-budget default ({@link Recipe#cpuBudget}, batch 256, 10 epochs): projector hidden = the
 * encoder's width, output 128 = the predictor's d, the paper's projection size; rho 0.3, eps 0.01,
 * every step: the paper's values. Deviations: the target momentum starts at 0.95 instead of 0.996
 * (at 0.996 the EMA's time constant, 250 steps, is longer than the whole run and leaves the target
 * near its random init; at 0.95 it is 20 steps) and follows BYOL's cosine schedule (the authors'
 * trainer keeps it constant); the projector's hidden BN has a learnable affine (theirs has none);
 * augmentation is the shared {@code byol} recipe, BYOL's asymmetric CIFAR views without blur.
 */
public final class DirectPred extends PredictorMethod {

    private static final DirectPredSettings DEFAULTS = DirectPredSettings.newBuilder()
            .setProjector(ProjectorSpec.newBuilder().setOutputDim(128).setLayers(2)) // hidden: the encoder's width
            .setTauBase(0.95)
            .setRho(0.3)
            .setEps(0.01)
            .setUpdateEvery(1)
            .build();

    private static final Map<String, SettingCheck> CHECKS = Map.of(
            "tau_base", SettingCheck.rate(),
            "rho", SettingCheck.rate(),
            "eps", SettingCheck.nonNegative(),
            "update_every", SettingCheck.between(1, 1_000_000));

    public static final MethodDefinition<DirectPredSettings> DEFINITION = new MethodDefinition<>(
            "directpred",
            "https://arxiv.org/abs/2102.06810",
            Recipe.cpuBudget(256, 10, "byol"),
            DEFAULTS,
            CHECKS,
            DirectPred::new);

    public DirectPred(MethodContext context, DirectPredSettings settings) {
        this(context, settings, Heads.projector(settings.getProjector(), false, context, "projector"));
    }

    private DirectPred(MethodContext context, DirectPredSettings settings, Block projector) {
        super(
                context,
                projector,
                new DirectPredictor(
                        context,
                        settings.getProjector().getOutputDim(),
                        settings.getRho(),
                        settings.getEps(),
                        settings.getUpdateEvery()),
                new EmaTarget(context, projector, Heads.mlp(settings.getProjector(), false), settings.getTauBase()),
                NegativeCosine::symmetricRegression);
    }
}
