package io.twinview.trainer.method;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.twinview.trainer.loss.BarlowTwinsLoss;
import io.twinview.trainer.loss.BarlowTwinsLoss.OffDiagonal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Barlow Twins: "Barlow Twins: Self-Supervised Learning via Redundancy Reduction", Zbontar, Jing,
 * Misra, LeCun, Deny, ICML 2021, https://arxiv.org/abs/2103.03230.
 *
 * <p>Encoder f, projector of {@code projector_layers - 1} Linear-BN-ReLU blocks then a Linear
 * (the paper: 3 layers of 8192 on ImageNet), and {@link BarlowTwinsLoss}: the cross-correlation of
 * the two views' batch-normalised embeddings is pulled towards the identity. Each view goes through
 * the network on its own, so batch-norm statistics are per view, as in the official code
 * ({@code z1 = projector(backbone(y1)); z2 = projector(backbone(y2))}).
 *
 * <p>Two variants, one class, differing only in the {@link OffDiagonal} strategy:
 * <ul>
 *   <li>{@code barlow} ({@link #DEFINITION}): the paper's sum_i (1 - C_ii)^2 + lambda sum_{i != j}
 *       C_ij^2, lambda from the run's {@code barlow_lambda} (5.1e-3).</li>
 *   <li>{@code barlow-mean} ({@link #MEAN_DEFINITION}): sum_i (1 - C_ii)^2 + mean_{i != j} C_ij^2,
 *       no lambda ({@code barlow_lambda} is ignored): see {@link OffDiagonal.Mean} for the argument
 *       and what it does to the decorrelation weight.</li>
 * </ul>
 *
 * <p>CIFAR settings in the literature (solo-learn scripts/pretrain/cifar/barlow.yaml, ResNet-18):
 * projector 2048-2048-2048, LARS lr 0.3 (eta 0.02, biases and BN excluded) wd 1e-4 at batch 256,
 * warmup then cosine over 1000 epochs, lambda 5.1e-3, loss scaled by 0.1 (solo-learn's
 * {@code scale_loss}; the paper has no such factor and neither has this loss). The paper's
 * ImageNet recipe: LARS lr 0.2 (biases 0.0048) x batch/256, wd 1.5e-6, batch 2048, 1000 epochs,
 * 10 warmup epochs, projector 8192-8192-8192, BYOL's asymmetric augmentations.
 *
 * <p>Deviations: the projector's Linear layers have biases (the official ones have none; a bias
 * before a BN, or before the loss's own BN, changes nothing but a few parameters). Augmentation is
 * the {@code byol} recipe, BYOL's asymmetric views as the paper uses them, in solo-learn's CIFAR
 * transcription (saturation 0.2, solarisation p 0 / 0.2, no blur at 32 px).
 */
public final class BarlowTwins extends SslMethod {

    /**
     * CPU budget (small ConvNet, 3,728 images, about 10 epochs = 140 steps at batch 256): Adam lr
     * 1e-3, one warmup epoch then cosine, as SimCLR's CPU recipe, because Adam converges in the few
     * hundred steps a 2-core run affords while LARS's lr 0.3 schedule is tuned for 1000 epochs.
     * Projector 2048-2048-2048, solo-learn's CIFAR width: the paper's ablations find accuracy keeps
     * growing with the embedding width, and on 256-d ConvNet features the projector costs about 9 M multiply-adds
     * per image against the ConvNet's 15 M. Batch 256: the paper's ablations show Barlow Twins
     * holding up at small batches better than SimCLR and BYOL.
     */
    public static final Methods.MethodDefinition DEFINITION = definition("barlow", 2048, 10,
            settings -> new OffDiagonal.Sum(settings.barlowLambda()));

    /**
     * {@code barlow}'s recipe with the off-diagonal mean instead of lambda x sum, and a 16-d embedding
     * (projector 2048-2048-16). The mean weighs each off-diagonal square 1/(d(d-1)): at {@code barlow}'s
     * d = 2048 that is 2.4e-7 against lambda's 5.1e-3, the embeddings barely decorrelate (effective
     * rank 2.8 of 2048 after 15 epochs) and the loss is all but invariance alone; at d = 16 it is
     * 4.2e-3, about lambda. Measured on our validation split (probes fitted on CIFAR batches 1-3,
     * scored on batch 4), 10 epochs, k-NN gain over random init: d 2048 +1.6, 128 +2.0, 32 +4.1,
     * 16 +5.4 (linear +4.0); d 16 in 20 epochs +6.7 (linear +3.0; +7.2 and +6.2 with seed 1), at batch
     * 128 +6.0, d 8 +6.1 (linear -2.3), and in 30 epochs +7.8 (linear +4.5; the default, 392 s of
     * training in {@code bench ssl}). Same head as {@code barlow} (d 2048), scored on batch 5 (README): +4.8
     * against {@code barlow}'s +7.8 in 10 epochs.
     */
    public static final Methods.MethodDefinition MEAN_DEFINITION = definition("barlow-mean", 16, 30,
            settings -> new OffDiagonal.Mean());

    private static Methods.MethodDefinition definition(String key, int embeddingDim, int epochs,
            Function<MethodSettings, OffDiagonal> offDiagonal) {
        return new Methods.MethodDefinition(
                key,
                "https://arxiv.org/abs/2103.03230",
                MethodDefaults.builder()
                        .optimizer("adam", 1e-3, 0.9, 1e-6)
                        .warmupEpochs(1)
                        .batch(256, epochs)
                        .projector(2048, embeddingDim)
                        .projectorLayers(3)
                        .barlowLambda(5.1e-3)
                        .recipe("byol")
                        .build(),
                context -> new BarlowTwins(context, offDiagonal.apply(context.settings())));
    }

    private final Block projector;
    private final OffDiagonal offDiagonal;

    public BarlowTwins(MethodContext context, OffDiagonal offDiagonal) {
        super(context);
        this.offDiagonal = offDiagonal;
        MethodSettings settings = context.settings();
        projector = Heads.initialized(Heads.mlp(settings.projectorLayers(), settings.projectorHiddenDim(),
                settings.projectorOutputDim(), false), context, "projector", context.encoderKind().featureDim());
    }

    public OffDiagonal offDiagonal() {
        return offDiagonal;
    }

    @Override
    protected Map<String, Block> heads() {
        Map<String, Block> heads = new LinkedHashMap<>();
        heads.put("projector", projector);
        return heads;
    }

    @Override
    public NDArray loss(ParameterStore parameters, NDArray view1, NDArray view2) {
        NDArray z1 = forward(projector, parameters, forward(encoder, parameters, view1)); // (N, D)
        NDArray z2 = forward(projector, parameters, forward(encoder, parameters, view2)); // (N, D)
        recordEmbeddings(z1);
        return BarlowTwinsLoss.loss(z1, z2, offDiagonal);
    }
}
