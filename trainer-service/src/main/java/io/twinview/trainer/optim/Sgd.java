package io.twinview.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * SGD with momentum, torch.optim.SGD semantics (no dampening, no Nesterov):
 * <pre>
 *   g = grad + wd * w          (decayed parameters only)
 *   b = momentum * b + g
 *   w = w - lr * b
 * </pre>
 */
public final class Sgd implements Optimizer {

    private final double momentum;
    private final double weightDecay;
    private final NDManager manager;
    private final Map<String, NDArray> buffers = new HashMap<>();

    public Sgd(double momentum, double weightDecay, NDManager manager) {
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.manager = manager;
    }

    @Override
    public void update(List<TrainableParameter> parameters, double learningRate, NDManager step) {
        for (TrainableParameter p : parameters) {
            NDArray weight = p.array();
            NDArray w = ParameterUpdates.writableView(weight, step);
            NDArray g = ParameterUpdates.gradient(weight, step);
            if (p.decayed() && weightDecay != 0) {
                g = g.add(w.mul(weightDecay));
            }
            NDArray direction = g;
            if (momentum != 0) {
                NDArray buffer = buffers.computeIfAbsent(
                        p.name(), k -> manager.zeros(weight.getShape(), weight.getDataType(), weight.getDevice()));
                buffer.muli(momentum).addi(g);
                direction = buffer;
            }
            ParameterUpdates.descend(w, direction, p.learningRate(learningRate));
            ParameterUpdates.zeroGradient(weight);
        }
    }

    @Override
    public NDList state() {
        return MomentumBuffers.state(buffers);
    }

    @Override
    public void loadState(NDList state) {
        MomentumBuffers.load(buffers, state, manager, "SGD");
    }
}
