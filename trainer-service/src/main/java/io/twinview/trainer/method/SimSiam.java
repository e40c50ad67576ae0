package io.twinview.trainer.method;

import io.twinview.proto.v1.PredictorSpec;
import io.twinview.proto.v1.ProjectorSpec;
import io.twinview.proto.v1.SimSiamSettings;
import io.twinview.trainer.loss.NegativeCosine;
import java.util.Map;

/**
 * SimSiam: "Exploring Simple Siamese Representation Learning", Chen and He, CVPR 2021,
 * https://arxiv.org/abs/2011.10566.
 *
 * <p>One encoder and projector for both views (the projector ends with BN, on the output layer too),
 * a bottleneck predictor h (Linear-BN-ReLU-Linear), and a stop-gradient on the target side: loss
 * D(p1, sg(z2)) / 2 + D(p2, sg(z1)) / 2 with D the negative cosine (eq. 1-3). Without the
 * stop-gradient it collapses (sec. 4.1, fig. 2); {@code SimSiamTest} shows it.
 *
 * <p>CIFAR settings in the literature: the paper (appendix D; ResNet-18 variant, 800 epochs):
 * projector of 2 layers with output 2048, predictor 2048-512-2048, SGD lr 0.03 x batch/256 at batch
 * 512, wd 5e-4, momentum 0.9, cosine decay, predictor lr fixed (the official code's
 * {@code --fix-pred-lr}). solo-learn {@code scripts/pretrain/cifar/simsiam.yaml} (1000 epochs):
 * projector 2048-2048 (3 layers there), predictor hidden 512, SGD lr 0.5 x batch/256, wd 1e-5, batch
 * 256, warmup + cosine, predictor at a static lr; views: SimCLR's symmetric CIFAR views without blur,
 * our recipe {@code simclr}.
 *
 * <p>CPU-budget default ({@link Recipe#cpuBudget}, batch 128, 30 epochs): projector 2 layers
 * 512-512, predictor 512-128-512 (the paper's 4:1 bottleneck, a quarter of its width) at the peak
 * rate and at 10x the rate of the rest ({@code simsiam.predictor.lr_scale}, alpha_p of Tian et al.
 * 2021, https://arxiv.org/abs/2102.06810; the fixed rate is the paper's own step the same way).
 * Deviation: SimSiam needs long training, and SGD at the paper's rate barely moves in a few hundred
 * steps where Adam learns fast on a small network. How each choice was measured: docs/recipes.md.
 */
public final class SimSiam extends PredictorMethod {

    private static final SimSiamSettings DEFAULTS = SimSiamSettings.newBuilder()
            .setProjector(ProjectorSpec.newBuilder()
                    .setHiddenDim(512)
                    .setOutputDim(512)
                    .setLayers(2))
            .setPredictor(
                    PredictorSpec.newBuilder().setHiddenDim(128).setLrScale(10).setFixedLr(true))
            .build();

    /** Its own fields are the projector and the predictor, checked by SettingChecks. */
    public static final MethodDefinition<SimSiamSettings> DEFINITION = new MethodDefinition<>(
            "simsiam",
            "https://arxiv.org/abs/2011.10566",
            Recipe.cpuBudget(128, 30, "simclr"),
            DEFAULTS,
            Map.of(),
            SimSiam::new);

    public SimSiam(MethodContext context, SimSiamSettings settings) {
        this(context, settings, TargetBranch.stopGradient());
    }

    /**
     * With another target branch: a test swaps the stop-gradient for a pass-through to show the
     * collapse. The projector has BN after every Linear, the output included (paper sec. 3).
     */
    SimSiam(MethodContext context, SimSiamSettings settings, TargetBranch target) {
        super(
                context,
                Heads.projector(settings.getProjector(), true, context, "projector"),
                new LearnedPredictor(
                        settings.getPredictor(), settings.getProjector().getOutputDim(), context),
                target,
                NegativeCosine::symmetric);
    }
}
