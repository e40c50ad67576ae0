package io.twinview.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam (Kingma and Ba, https://arxiv.org/abs/1412.6980) with torch.optim semantics, and its
 * decoupled-weight-decay variant AdamW (Loshchilov and Hutter, https://arxiv.org/abs/1711.05101):
 * <pre>
 *   adam : g = grad + wd * w                      adamw: w = w - lr * wd * w ; g = grad
 *   m = b1 m + (1 - b1) g ;  v = b2 v + (1 - b2) g^2 ;  t = t + 1
 *   w = w - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 * </pre>
 * Weight decay applies to decayed parameters only.
 */
public final class Adam implements Optimizer {

    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPSILON = 1e-8;

    private final double weightDecay;
    private final boolean decoupled;
    private final NDManager manager;
    private final Map<String, NDArray> firstMoments = new HashMap<>();
    private final Map<String, NDArray> secondMoments = new HashMap<>();
    private long steps;
    /** The step counter of the last {@link #state()}: freed when the next snapshot is taken. */
    private NDArray stepCount;

    public Adam(double weightDecay, boolean decoupled, NDManager manager) {
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
        this.manager = manager;
    }

    @Override
    public void update(List<TrainableParameter> parameters, double learningRate, NDManager step) {
        steps++;
        double correction1 = 1 - Math.pow(BETA1, steps);
        double correction2 = 1 - Math.pow(BETA2, steps);
        for (TrainableParameter p : parameters) {
            double lr = p.learningRate(learningRate);
            NDArray weight = p.array();
            NDArray w = ParameterUpdates.writableView(weight, step);
            NDArray g = ParameterUpdates.gradient(weight, step);
            boolean decay = p.decayed() && weightDecay != 0;
            if (decay && decoupled) {
                w.subi(w.mul(lr * weightDecay));
            } else if (decay) {
                g = g.add(w.mul(weightDecay));
            }
            NDArray m = firstMoments.computeIfAbsent(p.name(), k -> zerosLike(weight));
            NDArray v = secondMoments.computeIfAbsent(p.name(), k -> zerosLike(weight));
            m.muli(BETA1).addi(g.mul(1 - BETA1));
            v.muli(BETA2).addi(g.square().muli(1 - BETA2));
            // m and v live in the optimizer's manager: their quotients are moved to the step's
            NDArray firstHat = m.div(correction1); // (shape of w)
            firstHat.attach(step);
            NDArray secondHat = v.div(correction2);
            secondHat.attach(step);
            ParameterUpdates.descend(w, firstHat.divi(secondHat.sqrt().addi(EPSILON)), lr);
            ParameterUpdates.zeroGradient(weight);
        }
    }

    private NDArray zerosLike(NDArray weight) {
        return manager.zeros(weight.getShape(), weight.getDataType(), weight.getDevice());
    }

    /** The moments (live arrays, by name) and a step counter, valid until the next call. */
    @Override
    public NDList state() {
        NDList state = new NDList();
        firstMoments.forEach((name, m) -> {
            m.setName(name + "#m");
            state.add(m);
        });
        secondMoments.forEach((name, v) -> {
            v.setName(name + "#v");
            state.add(v);
        });
        if (stepCount != null) {
            stepCount.close(); // one checkpoint's counter, encoded by now
        }
        stepCount = manager.create(new long[] {steps});
        stepCount.setName("#steps");
        state.add(stepCount);
        return state;
    }

    @Override
    public void loadState(NDList state) {
        firstMoments.values().forEach(NDArray::close);
        secondMoments.values().forEach(NDArray::close);
        firstMoments.clear();
        secondMoments.clear();
        for (NDArray array : state) {
            String name = array.getName();
            if (name.equals("#steps")) {
                steps = array.toLongArray()[0];
                continue;
            }
            NDArray copy = array.duplicate();
            copy.attach(manager);
            if (name.endsWith("#m")) {
                firstMoments.put(name.substring(0, name.length() - 2), copy);
            } else if (name.endsWith("#v")) {
                secondMoments.put(name.substring(0, name.length() - 2), copy);
            } else {
                throw new IllegalArgumentException("not an Adam state entry: " + name);
            }
        }
    }
}
