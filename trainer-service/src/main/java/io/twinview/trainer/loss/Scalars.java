package io.twinview.trainer.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Arithmetic with a constant in a loss, safe for autograd. Every constant that multiplies, divides or
 * clamps an array the gradient flows through goes through here, never through {@code NDArray.mul(Number)},
 * {@code div(Number)} or {@code maximum(Number)}.
 *
 * <p>Why: DJL's PyTorch engine wraps such a number in a 0-d tensor over a Java direct buffer
 * ({@code torch::from_blob}, no copy), runs the op and closes that tensor at once, which drops the
 * buffer's last reference. For mul, div and maximum, PyTorch's autograd keeps the operand for the
 * backward pass ({@code grad / other}, {@code grad * other}, the mask {@code self > other}). A garbage
 * collection between forward and backward frees the buffer, and the backward reads freed memory: the
 * gradient comes out wrong, infinite or NaN. That was the rare non-finite step seen only under load
 * (mocov1, simclr, mocov2). The constants made here live in PyTorch's own memory
 * ({@code NDManager.full}), which autograd reference-counts. {@code add(Number)} and
 * {@code sub(Number)} stay safe: their backward never reads the operand.
 */
public final class Scalars {

    private Scalars() {}

    /** A 0-d array of {@code value}, of {@code like}'s type and device, allocated by PyTorch. */
    public static NDArray of(NDArray like, double value) {
        return like.getManager()
                .full(new Shape(), (float) value, like.getDataType())
                .toDevice(like.getDevice(), false);
    }

    /** x / divisor */
    public static NDArray div(NDArray x, double divisor) {
        return x.div(of(x, divisor));
    }

    /** x * factor */
    public static NDArray mul(NDArray x, double factor) {
        return x.mul(of(x, factor));
    }

    /** max(x, floor), elementwise */
    public static NDArray atLeast(NDArray x, double floor) {
        return x.maximum(of(x, floor));
    }
}
