package io.twinview.trainer.method;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.util.Map;

/**
 * BYOL's target network (Grill et al. 2020, https://arxiv.org/abs/2006.07733, sec. 3.1): an encoder
 * and a projector of the online architecture whose weights follow the online ones as
 * {@link MomentumTwins}, tau rising from tau_base to 1 on a cosine (sec. 3.2). Its forwards run in
 * training mode, so its batch-norm layers normalise with the batch's statistics, as in the BYOL code.
 */
final class EmaTarget implements TargetBranch {

    private final MomentumTwins twins;
    private final Block encoder;
    private final Block projector;

    /**
     * @param onlineProjector the online projector, initialised
     * @param projectorTwin a new, uninitialised block of the online projector's architecture
     */
    EmaTarget(MethodContext context, Block onlineProjector, Block projectorTwin, double tauBase) {
        twins = new MomentumTwins(TauSchedule.cosine(tauBase));
        encoder = twins.encoder("target-encoder", context);
        projector = twins.head(
                "target-projector",
                onlineProjector,
                projectorTwin,
                context.encoderKind().featureDim(),
                context);
    }

    @Override
    public Targets targets(ParameterStore parameters, NDArray view1, NDArray view2, NDArray z1, NDArray z2) {
        return new Targets(project(parameters, view1), project(parameters, view2));
    }

    /** (N, d) z' = g_xi(f_xi(view)); frozen parameters and an input without gradient: autograd records nothing. */
    private NDArray project(ParameterStore parameters, NDArray view) {
        return SslMethod.forward(projector, parameters, SslMethod.forward(encoder, parameters, view))
                .stopGradient();
    }

    @Override
    public Map<String, Block> blocks() {
        return twins.blocks();
    }

    @Override
    public void afterStep(long step, long totalSteps) {
        twins.update(step, totalSteps);
    }
}
