package io.twinview.trainer.method;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.twinview.model.Encoders;
import io.twinview.model.Seeds;
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

    private final Block projector;

    public SimClr(MethodContext context) {
        super(context);
        MethodSettings settings = context.settings();
        projector = Heads.twoLayerMlp(settings.projectorHiddenDim(), settings.projectorOutputDim());
        Encoders.initialize(
                projector,
                Seeds.derive(context.seed(), "projector"),
                new Shape(2, context.encoderKind().featureDim()),
                context.manager());
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
        return NtXent.loss(z.get("0:" + n), z.get(n + ":"), context.settings().temperature());
    }
}
