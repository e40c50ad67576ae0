package io.twinview.trainer.method;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.twinview.trainer.loss.NtXent;
import java.util.LinkedHashMap;
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
 * (see {@link Methods}): projector hidden width = the encoder's feature width, output 128, Adam
 * lr 1e-3 with one warmup epoch and cosine decay, temperature 0.1 (the paper's ImageNet value).
 * Deviation: the paper trains with LARS, which arrives with the optimizers issue.
 */
public final class SimClr extends SslMethod {

    /**
     * CPU budget: Adam converges in the few hundred steps a 2-core run affords (the paper's LARS
     * lr 0.3 x batch/256 wants hundreds of epochs). T = 0.1, the paper's ImageNet value: on our
     * CIFAR-subset validation split (batches 1-4 -> 5, 10 epochs) k-NN 41.9% at T 0.1 vs 40.9% at 0.2.
     */
    public static final Methods.MethodDefinition DEFINITION = new Methods.MethodDefinition(
            "simclr",
            "https://arxiv.org/abs/2002.05709",
            MethodDefaults.builder()
                    .optimizer("adam", 1e-3, 0.9, 1e-6)
                    .warmupEpochs(1)
                    .temperature(0.1)
                    .projector(0, 128) // hidden 0 = the encoder's feature width
                    .recipe("simclr")
                    .build(),
            SimClr::new);

    private final Block projector;

    public SimClr(MethodContext context) {
        super(context);
        MethodSettings settings = context.settings();
        projector = Heads.initialized(Heads.mlp(settings.projectorLayers(), settings.projectorHiddenDim(),
                settings.projectorOutputDim(), false), context, "projector", context.encoderKind().featureDim());
    }

    @Override
    protected Map<String, Block> heads() {
        Map<String, Block> heads = new LinkedHashMap<>();
        heads.put("projector", projector);
        return heads;
    }

    @Override
    public NDArray loss(ParameterStore parameters, NDArray view1, NDArray view2) {
        int n = Math.toIntExact(view1.getShape().get(0));
        NDArray h = forward(encoder, parameters, view1.concat(view2, 0)); // (2N, D)
        NDArray z = forward(projector, parameters, h); // (2N, out)
        NDArray z1 = z.get("0:" + n);
        recordEmbeddings(z1);
        return NtXent.loss(z1, z.get(n + ":"), context.settings().temperature());
    }
}
