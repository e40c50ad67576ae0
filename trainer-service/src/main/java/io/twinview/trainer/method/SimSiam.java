package io.twinview.trainer.method;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import io.twinview.trainer.loss.NegativeCosine;
import java.util.Set;

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
 * <p>CPU-budget default (a small ConvNet, 30 epochs of 3,728 images at batch 128, about 870
 * steps): projector 2 layers 512-512, predictor 512-128-512 (the paper's 4:1 bottleneck, a quarter
 * of its width), Adam lr 1e-3 with one warmup epoch and cosine decay, wd 1e-6, the predictor at the
 * peak rate and at 10x the rate of the rest ({@code head.predictor_lr_scale}, alpha_p of Tian et al.
 * 2021, https://arxiv.org/abs/2102.06810; the fixed rate is the paper's own step the same way).
 * Deviation: SimSiam is known to need long training, and SGD at the paper's rate barely moves in a
 * few hundred steps; Adam learns fast on a small network. Measured: k-NN gain over random init on
 * our validation split (probes fitted on CIFAR batches 1-3, scored on batch 4) +5.7 in 10 epochs
 * with the 10x predictor, +7.1 in 20 and +8.4 in 30 (linear +0.6, +3.3 and +4.9; 30 is the default,
 * 323 s of training in {@code bench ssl}), +1.2 at batch 64 for 5 epochs without it; earlier, scored
 * on batch 5 without it: batch 256 10 epochs +1.7, batch 128 20 epochs +4.9, 30 epochs +4.8 (516 s).
 */
public final class SimSiam extends PredictorMethod {

    public static final Methods.MethodDefinition DEFINITION = new Methods.MethodDefinition(
            "simsiam",
            "https://arxiv.org/abs/2011.10566",
            MethodDefaults.builder()
                    .optimizer("adam", 1e-3, 0.9, 1e-6)
                    .warmupEpochs(1)
                    .batch(128, 30)
                    .projector(512, 512)
                    .predictor(128)
                    .fixedPredictorLr(true)
                    .predictorLrScale(10)
                    .recipe("simclr")
                    .build(),
            SimSiam::new);

    public SimSiam(MethodContext context) {
        this(context, TargetBranch.stopGradient());
    }

    /** With another target branch: a test swaps the stop-gradient for a pass-through to show the collapse. */
    SimSiam(MethodContext context, TargetBranch target) {
        super(context, projector(context), target);
    }

    /** {@code projectorLayers} Linear layers, BN after every one, the output included (paper sec. 3). */
    private static Block projector(MethodContext context) {
        MethodSettings settings = context.settings();
        return Heads.initialized(Heads.mlp(settings.projectorLayers(), settings.projectorHiddenDim(),
                settings.projectorOutputDim(), true), context, "projector", context.encoderKind().featureDim());
    }

    @Override
    public Set<String> fixedLearningRateRoles() {
        return context.settings().fixedPredictorLr() ? Set.of("predictor") : Set.of();
    }

    /** D(p1, z2) / 2 + D(p2, z1) / 2 (eq. 2); the targets arrive detached from the target branch. */
    @Override
    protected NDArray symmetricLoss(NDArray p1, NDArray t2, NDArray p2, NDArray t1) {
        return NegativeCosine.loss(p1, t2).add(NegativeCosine.loss(p2, t1)).div(2);
    }
}
