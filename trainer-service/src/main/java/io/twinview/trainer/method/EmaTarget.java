package io.twinview.trainer.method;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.twinview.model.Encoders;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * BYOL's target network (Grill et al. 2020, https://arxiv.org/abs/2006.07733, sec. 3.1): an encoder
 * and a projector of the online architecture whose weights are an exponential moving average of
 * the online ones, xi = tau xi + (1 - tau) theta after each step, with tau rising from tau_base to
 * 1 on a cosine (sec. 3.2). Starts as an exact, frozen copy of the online network; no gradient
 * reaches it. Its forwards run in training mode, so its batch-norm layers normalise with the
 * batch's statistics and keep their own running statistics, as in the BYOL code.
 */
final class EmaTarget implements TargetBranch {

    private final Block onlineEncoder;
    private final Block onlineProjector;
    private final Block encoder;
    private final Block projector;
    private final double baseTau;

    /**
     * @param onlineProjector the online projector, initialised
     * @param projectorTwin a new, uninitialised block of the online projector's architecture
     */
    EmaTarget(MethodContext context, Block onlineProjector, Block projectorTwin) {
        this.onlineEncoder = context.encoder();
        this.onlineProjector = onlineProjector;
        this.encoder = Encoders.create(context.encoderKind(), context.seed(), context.imageSize(), context.manager());
        Ema.copy(encoder, onlineEncoder);
        this.projector = Heads.initialized(projectorTwin, context, "target-projector", context.encoderKind().featureDim());
        Ema.copy(projector, onlineProjector);
        this.baseTau = context.settings().momentum();
    }

    /**
     * BYOL sec. 3.2: tau_k = 1 - (1 - tau_base) (cos(pi k / K) + 1) / 2, from tau_base at k = 0 to 1
     * at k = K.
     *
     * @param k steps taken before this update (0 for the first)
     * @param totalSteps K
     */
    static double tau(double baseTau, long k, long totalSteps) {
        return 1 - (1 - baseTau) * (Math.cos(Math.PI * k / totalSteps) + 1) / 2;
    }

    @Override
    public Targets targets(ParameterStore parameters, NDArray view1, NDArray view2, NDArray z1, NDArray z2) {
        return new Targets(project(parameters, view1), project(parameters, view2));
    }

    /** (N, d) z' = g_xi(f_xi(view)); frozen parameters and an input without gradient: autograd records nothing. */
    private NDArray project(ParameterStore parameters, NDArray view) {
        return SslMethod.forward(projector, parameters, SslMethod.forward(encoder, parameters, view)).stopGradient();
    }

    @Override
    public Map<String, Block> blocks() {
        Map<String, Block> blocks = new LinkedHashMap<>();
        blocks.put("target-encoder", encoder);
        blocks.put("target-projector", projector);
        return blocks;
    }

    /** The update after step k + 1 uses tau_k, so the first one uses tau_base (k counts from 0 in BYOL). */
    @Override
    public void afterStep(long step, long totalSteps) {
        double tau = tau(baseTau, step - 1, totalSteps);
        Ema.update(encoder, onlineEncoder, tau);
        Ema.update(projector, onlineProjector, tau);
    }
}
