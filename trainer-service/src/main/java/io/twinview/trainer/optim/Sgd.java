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
                NDArray buffer = buffers.computeIfAbsent(p.name(), k -> newBuffer(weight));
                buffer.muli(momentum).addi(g);
                direction = buffer;
            }
            w.subi(direction.mul(learningRate));
            ParameterUpdates.zeroGradient(weight);
        }
    }

    private NDArray newBuffer(NDArray weight) {
        NDArray buffer = manager.zeros(weight.getShape(), weight.getDataType(), weight.getDevice());
        return buffer;
    }

    @Override
    public NDList state() {
        NDList state = new NDList();
        buffers.forEach((name, buffer) -> {
            buffer.setName(name + "#momentum");
            state.add(buffer);
        });
        return state;
    }

    @Override
    public void loadState(NDList state) {
        buffers.values().forEach(NDArray::close);
        buffers.clear();
        for (NDArray array : state) {
            String name = array.getName();
            if (!name.endsWith("#momentum")) {
                throw new IllegalArgumentException("not an SGD state entry: " + name);
            }
            NDArray copy = array.duplicate();
            copy.attach(manager);
            buffers.put(name.substring(0, name.length() - "#momentum".length()), copy);
        }
    }
}
