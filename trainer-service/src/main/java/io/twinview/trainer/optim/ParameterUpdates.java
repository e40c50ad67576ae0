package io.twinview.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/** The engine-level moves every optimizer needs: read a gradient, write a weight in place, zero a gradient. */
public final class ParameterUpdates {

    private ParameterUpdates() {}

    /** The gradient of a weight, as an array freed with {@code step}. */
    static NDArray gradient(NDArray weight, NDManager step) {
        NDArray grad = weight.getGradient();
        grad.attach(step);
        return grad;
    }

    /**
     * A view of the weight outside autograd: in-place updates on the leaf itself fail in PyTorch
     * ("a leaf Variable that requires grad is being used in an in-place operation").
     */
    static NDArray writableView(NDArray weight, NDManager step) {
        NDArray view = weight.stopGradient();
        view.attach(step);
        return view;
    }

    /**
     * w -= rate x direction, in place. The product is freed here: {@code direction} may be a long-lived
     * buffer, and a result attaches to the manager of its first operand, so {@code direction.mul}
     * would otherwise pile up in the optimizer's manager, one parameter-sized array per step.
     */
    static void descend(NDArray w, NDArray direction, double rate) {
        try (NDArray delta = direction.mul(rate)) {
            w.subi(delta);
        }
    }

    /**
     * Zeroes the gradient with torch's {@code zero_()}: DJL has no engine-neutral fill, and
     * {@code grad.subi(grad)} would keep a NaN gradient NaN.
     */
    public static void zeroGradient(NDArray weight) {
        JniUtils.zeroGrad((PtNDArray) weight);
    }
}
