package io.twinview.trainer.method;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.twinview.proto.v1.ProjectorSpec;
import io.twinview.proto.v1.SimClrSettings;
import io.twinview.trainer.loss.NtXent;
import java.util.Map;

/**
 * SimCLR: "A Simple Framework for Contrastive Learning of Visual Representations", Chen, Kornblith,
 * Norouzi, Hinton, ICML 2020, https://arxiv.org/abs/2002.05709.
 *
 * <p>Encoder f, 2-layer MLP projector g, NT-Xent over the 2N views of a batch. Both views go through
 * the network as one 2N batch, so batch-norm statistics cover both (as the official code does).
 *
 * <p>CIFAR settings in the literature (paper appendix B.9, solo-learn): projector 2048-128 on
 * ResNet-18, temperature 0.2-0.5 with LARS lr 0.4 wd 1e-4 at batch 256. Our CPU-budget default
 * ({@link Recipe#cpuBudget}, batch 256, 10 epochs): projector hidden width = the encoder's feature
 * width, output 128, temperature 0.1 (the paper's ImageNet value, chosen on our validation split:
 * docs/recipes.md). Deviation: Adam instead of the paper's LARS, which at lr 0.3 x batch/256 wants
 * hundreds of epochs.
 */
public final class SimClr extends SslMethod {

    private static final SimClrSettings DEFAULTS = SimClrSettings.newBuilder()
            .setProjector(ProjectorSpec.newBuilder().setOutputDim(128).setLayers(2)) // hidden: the encoder's width
            .setTemperature(0.1)
            .build();

    private static final Map<String, SettingCheck> CHECKS = Map.of("temperature", SettingCheck.positiveAtMost(100));

    public static final MethodDefinition<SimClrSettings> DEFINITION = new MethodDefinition<>(
            "simclr",
            "https://arxiv.org/abs/2002.05709",
            Recipe.cpuBudget(256, 10, "simclr"),
            DEFAULTS,
            CHECKS,
            SimClr::new);

    private final Block projector;
    private final double temperature;

    public SimClr(MethodContext context, SimClrSettings settings) {
        super(context);
        projector = Heads.projector(settings.getProjector(), false, context, "projector");
        temperature = settings.getTemperature();
    }

    @Override
    protected Map<String, Block> heads() {
        return Map.of("projector", projector);
    }

    @Override
    public NDArray loss(ParameterStore parameters, NDArray view1, NDArray view2) {
        int n = Math.toIntExact(view1.getShape().get(0));
        NDArray h = forward(encoder, parameters, view1.concat(view2, 0)); // (2N, D)
        NDArray z = forward(projector, parameters, h); // (2N, out)
        NDArray z1 = z.get("0:" + n);
        recordEmbeddings(z1);
        return NtXent.loss(z1, z.get(n + ":"), temperature);
    }
}
