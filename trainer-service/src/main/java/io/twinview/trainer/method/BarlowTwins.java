package io.twinview.trainer.method;

import ai.djl.ndarray.NDArray;
import io.twinview.proto.v1.BarlowMeanSettings;
import io.twinview.proto.v1.BarlowTwinsSettings;
import io.twinview.proto.v1.ProjectorSpec;
import io.twinview.trainer.loss.BarlowTwinsLoss;
import io.twinview.trainer.loss.BarlowTwinsLoss.OffDiagonal;
import java.util.Map;

/**
 * Barlow Twins: "Barlow Twins: Self-Supervised Learning via Redundancy Reduction", Zbontar, Jing,
 * Misra, LeCun, Deny, ICML 2021, https://arxiv.org/abs/2103.03230.
 *
 * <p>Encoder f, projector of {@code projector.layers - 1} Linear-BN-ReLU blocks then a Linear
 * (the paper: 3 layers of 8192 on ImageNet), each view on its own ({@link EmbeddingLossMethod}),
 * and {@link BarlowTwinsLoss}: the cross-correlation of the two views' batch-normalised embeddings
 * is pulled towards the identity.
 *
 * <p>Two variants, one class, differing only in the {@link OffDiagonal} strategy:
 * <ul>
 *   <li>{@code barlow} ({@link #DEFINITION}): the paper's sum_i (1 - C_ii)^2 + lambda sum_{i != j}
 *       C_ij^2, lambda from {@code barlow.off_diagonal_weight} (5.1e-3).</li>
 *   <li>{@code barlow-mean} ({@link #MEAN_DEFINITION}): sum_i (1 - C_ii)^2 + mean_{i != j} C_ij^2,
 *       no lambda: see {@link OffDiagonal.Mean} for the argument and what it does to the
 *       decorrelation weight.</li>
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
 *
 * <p>CPU budget ({@link Recipe#cpuBudget}, batch 256): Adam instead of LARS, because Adam converges
 * in the few hundred steps a 2-core run affords while LARS's lr 0.3 schedule is tuned for 1000
 * epochs. Projector 2048-2048-2048, solo-learn's CIFAR width: the paper's ablations find accuracy
 * keeps growing with the embedding width, and on 256-d ConvNet features the projector costs about
 * 9 M multiply-adds per image against the ConvNet's 15 M. Batch 256: the paper's ablations show
 * Barlow Twins holding up at small batches better than SimCLR and BYOL. {@code barlow} trains 10
 * epochs; {@code barlow-mean} embeds in 16-d (2048-2048-16), where the mean weighs each off-diagonal
 * square 1/(d(d-1)) = 4.2e-3, about lambda (at d = 2048 it is 2.4e-7 and the embeddings barely
 * decorrelate), and trains 30 epochs. The measurements behind both: docs/recipes.md.
 */
public final class BarlowTwins extends EmbeddingLossMethod {

    private static final String PAPER = "https://arxiv.org/abs/2103.03230";

    public static final MethodDefinition<BarlowTwinsSettings> DEFINITION = new MethodDefinition<>(
            "barlow",
            PAPER,
            Recipe.cpuBudget(256, 10, "byol"),
            BarlowTwinsSettings.newBuilder()
                    .setProjector(projector(2048))
                    .setOffDiagonalWeight(5.1e-3)
                    .build(),
            Map.of("off_diagonal_weight", SettingCheck.nonNegative()),
            (context, settings) -> new BarlowTwins(
                    context, settings.getProjector(), new OffDiagonal.Sum(settings.getOffDiagonalWeight())));

    public static final MethodDefinition<BarlowMeanSettings> MEAN_DEFINITION = new MethodDefinition<>(
            "barlow-mean",
            PAPER,
            Recipe.cpuBudget(256, 30, "byol"),
            BarlowMeanSettings.newBuilder().setProjector(projector(16)).build(),
            Map.of(),
            (context, settings) -> new BarlowTwins(context, settings.getProjector(), new OffDiagonal.Mean()));

    /** Two Linear-BN-ReLU blocks of 2048, then a Linear to {@code embeddingDim}. */
    private static ProjectorSpec projector(int embeddingDim) {
        return ProjectorSpec.newBuilder()
                .setHiddenDim(2048)
                .setOutputDim(embeddingDim)
                .setLayers(3)
                .build();
    }

    private final OffDiagonal offDiagonal;

    public BarlowTwins(MethodContext context, ProjectorSpec projector, OffDiagonal offDiagonal) {
        super(context, projector);
        this.offDiagonal = offDiagonal;
    }

    public OffDiagonal offDiagonal() {
        return offDiagonal;
    }

    @Override
    protected NDArray embeddingLoss(NDArray z1, NDArray z2) {
        return BarlowTwinsLoss.loss(z1, z2, offDiagonal);
    }
}
