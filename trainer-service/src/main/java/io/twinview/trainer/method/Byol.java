package io.twinview.trainer.method;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import io.twinview.trainer.loss.NegativeCosine;

/**
 * BYOL: "Bootstrap your own latent: A new approach to self-supervised learning", Grill, Strub,
 * Altché, Tallec, Richemond et al., NeurIPS 2020, https://arxiv.org/abs/2006.07733.
 *
 * <p>Online network: encoder, projector g (Linear-BN-ReLU-Linear), predictor q (Linear-BN-ReLU-Linear).
 * Target network: encoder and projector as an EMA of the online ones ({@link EmaTarget}), tau on a
 * cosine from tau_base ({@code head.momentum}) to 1. Loss (eq. 2, symmetrised as in sec. 3.1):
 * reg(q(z1), sg(z'2)) + reg(q(z2), sg(z'1)) with reg = 2 - 2 cos; no negatives.
 *
 * <p>CIFAR settings in the literature: solo-learn {@code scripts/pretrain/cifar/byol.yaml} (ResNet-18,
 * 1000 epochs): projector 4096-256, predictor hidden 4096, LARS lr 1.0 x batch/256 (eta 0.02,
 * biases and BN excluded), wd 1e-5, batch 256, warmup + cosine, tau 0.99 -> 1, views of
 * {@code cifar/augmentations/asymmetric.yaml} (our recipe {@code byol}). The paper's ImageNet
 * values: 4096-256 heads, LARS lr 0.2 x batch/256, wd 1.5e-6, tau_base 0.996, 1000 epochs at 4096.
 *
 * <p>CPU-budget default (a small ConvNet, 25 epochs of 3,728 images at batch 64, about 1,460 steps):
 * projector 256-128 (hidden = the encoder's width, as {@link DirectPred}'s, which learns in this
 * budget), predictor 128-512-128; Adam lr 1e-3 with one warmup epoch and cosine decay, wd 1e-6,
 * tau_base 0.95, the predictor at 10x the rate of the rest ({@code head.predictor_lr_scale}, the
 * relative predictor rate alpha_p of Tian et al. 2021, https://arxiv.org/abs/2102.06810, whose
 * analysis has the predictor adapt faster than the encoder; {@link DirectPred} sets it outright).
 * Deviations: BYOL is known to need long training (hundreds of epochs) and the paper's LARS recipe
 * barely moves in a few hundred steps; Adam learns fast on a small network. tau_base 0.95 instead of
 * 0.99: the EMA's time constant 1/(1 - tau) must be short against the run. Measured on our
 * validation split (probes fitted on CIFAR batches 1-3, scored on batch 4, pre-training on 1-4),
 * k-NN gain over random init: batch 64, 5 epochs: +2.5 at tau 0.99, +4.0 at 0.9, +4.4 at 0.95,
 * +0.0 with Adam 3e-3, +6.0 with the predictor at 10x (+5.4 in 10 epochs, +6.5 in 15 and +9.6 in
 * 25, where the linear probe gains +4.2 and +4.8 against +0.2 in 5; 25 is the default, 385 s of
 * training in {@code bench ssl}); batch 64 10 epochs without it +4.3. Earlier, at batch 256 and 15
 * epochs (scored on batch 5): +1.4; lightly's CIFAR heads 1024-256 with a 1024 predictor +1.6.
 */
public final class Byol extends PredictorMethod {

    public static final Methods.MethodDefinition DEFINITION = new Methods.MethodDefinition(
            "byol",
            "https://arxiv.org/abs/2006.07733",
            MethodDefaults.builder()
                    .optimizer("adam", 1e-3, 0.9, 1e-6)
                    .warmupEpochs(1)
                    .projector(0, 128) // hidden 0 = the encoder's feature width
                    .predictor(512)
                    .batch(64, 25)
                    .networkMomentum(0.95)
                    .predictorLrScale(10)
                    .recipe("byol")
                    .build(),
            Byol::new);

    public Byol(MethodContext context) {
        this(context, initializedProjector(context));
    }

    private Byol(MethodContext context, Block projector) {
        super(context, projector, new EmaTarget(context, projector, newProjector(context.settings())));
    }

    /** Linear-BN-ReLU-Linear (BYOL sec. 3.3), no BN on the output. */
    private static Block newProjector(MethodSettings settings) {
        return Heads.mlp(settings.projectorLayers(), settings.projectorHiddenDim(), settings.projectorOutputDim(), false);
    }

    private static Block initializedProjector(MethodContext context) {
        return Heads.initialized(newProjector(context.settings()), context, "projector", context.encoderKind().featureDim());
    }

    /** BYOL eq. 2 in both view orders, summed (sec. 3.1: L + L~). */
    @Override
    protected NDArray symmetricLoss(NDArray p1, NDArray t2, NDArray p2, NDArray t1) {
        return NegativeCosine.regression(p1, t2).add(NegativeCosine.regression(p2, t1));
    }
}
