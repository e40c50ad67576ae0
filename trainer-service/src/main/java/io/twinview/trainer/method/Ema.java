package io.twinview.trainer.method;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.util.List;

/**
 * Exponential moving averages of one block's parameters into another of the same architecture:
 * {@code target = tau * target + (1 - tau) * online} (MoCo's momentum encoder, BYOL's target).
 * Only gradient-trained parameters move this way; batch-norm running statistics are the target's
 * own, updated by its forwards, as in the MoCo and BYOL code.
 */
public final class Ema {

    private Ema() {}

    /** Makes the target an exact copy of the online block, and freezes it. */
    public static void copy(Block target, Block online) {
        List<Parameter> to = target.getParameters().values();
        List<Parameter> from = online.getParameters().values();
        check(to, from);
        for (int i = 0; i < to.size(); i++) {
            NDArray t = to.get(i).getArray().stopGradient();
            t.subi(t).addi(from.get(i).getArray().stopGradient());
            t.close();
        }
        target.freezeParameters(true);
    }

    /** target = tau * target + (1 - tau) * online, in place, outside autograd. */
    public static void update(Block target, Block online, double tau) {
        List<Parameter> to = target.getParameters().values();
        List<Parameter> from = online.getParameters().values();
        check(to, from);
        for (int i = 0; i < to.size(); i++) {
            Parameter onlineParameter = from.get(i);
            if (!onlineParameter.requiresGradient()) {
                continue; // running statistics
            }
            try (NDArray t = to.get(i).getArray().stopGradient();
                    NDArray o = onlineParameter.getArray().stopGradient();
                    NDArray step = o.mul(1 - tau)) {
                t.muli(tau).addi(step);
            }
        }
    }

    private static void check(List<Parameter> to, List<Parameter> from) {
        if (to.size() != from.size()) {
            throw new IllegalArgumentException("EMA between blocks of different architectures: " + to.size() + " vs "
                    + from.size() + " parameters");
        }
    }
}
