package io.twinview.trainer.method;

import ai.djl.ndarray.NDArray;
import io.twinview.proto.v1.ProjectorSpec;
import io.twinview.proto.v1.VicRegSettings;
import io.twinview.trainer.loss.VicRegLoss;
import java.util.Map;

/**
 * VICReg: "VICReg: Variance-Invariance-Covariance Regularization for Self-Supervised Learning",
 * Bardes, Ponce, LeCun, ICLR 2022, https://arxiv.org/abs/2105.04906.
 *
 * <p>Encoder f, expander h ({@code projector.layers - 1} Linear-BN-ReLU blocks then a Linear; the
 * paper: 8192-8192-8192 on ImageNet), each view through the network on its own
 * ({@link EmbeddingLossMethod}), and
 * {@link VicRegLoss}: the embeddings of a pair pulled together (invariance, lambda 25), each
 * dimension's std kept at 1 or more over the batch (variance, mu 25) and the dimensions decorrelated
 * (covariance, nu 1). No negatives, no target network, no stop-gradient.
 *
 * <p>CIFAR settings in the literature: solo-learn {@code scripts/pretrain/cifar/vicreg.yaml}
 * (ResNet-18, 1000 epochs): projector 2048-2048-2048, LARS lr 0.3 (eta 0.02, biases and BN excluded)
 * wd 1e-4 at batch 256, warmup + cosine, lambda 25, mu 25, nu 1, solo-learn's asymmetric CIFAR
 * views (our recipe {@code byol}, which the paper's own ImageNet views follow: BYOL's).
 *
 * <p>CPU-budget default ({@link Recipe#cpuBudget}, batch 128, 20 epochs): the paper's lambda, mu
 * and nu; projector 2048-2048-2048, solo-learn's CIFAR width; Adam instead of LARS, for the reason
 * every default has it. Batch and epochs were chosen on our validation split (docs/recipes.md).
 */
public final class VicReg extends EmbeddingLossMethod {

    private static final VicRegSettings DEFAULTS = VicRegSettings.newBuilder()
            .setProjector(ProjectorSpec.newBuilder()
                    .setHiddenDim(2048)
                    .setOutputDim(2048)
                    .setLayers(3))
            .setInvarianceWeight(25)
            .setVarianceWeight(25)
            .setCovarianceWeight(1)
            .build();

    private static final Map<String, SettingCheck> CHECKS = Map.of(
            "invariance_weight", SettingCheck.nonNegative(),
            "variance_weight", SettingCheck.nonNegative(),
            "covariance_weight", SettingCheck.nonNegative());

    public static final MethodDefinition<VicRegSettings> DEFINITION = new MethodDefinition<>(
            "vicreg",
            "https://arxiv.org/abs/2105.04906",
            Recipe.cpuBudget(128, 20, "byol"),
            DEFAULTS,
            CHECKS,
            VicReg::new);

    private final VicRegSettings settings;

    public VicReg(MethodContext context, VicRegSettings settings) {
        super(context, settings.getProjector());
        this.settings = settings;
    }

    @Override
    protected NDArray embeddingLoss(NDArray z1, NDArray z2) {
        return VicRegLoss.loss(
                z1, z2, settings.getInvarianceWeight(), settings.getVarianceWeight(), settings.getCovarianceWeight());
    }
}
