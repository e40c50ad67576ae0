package io.twinview.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * LARS: SGD with momentum and a layer-wise trust ratio (You, Gitman, Ginsburg, "Large Batch
 * Training of Convolutional Networks", https://arxiv.org/abs/1708.03888), as the SimCLR, BYOL and
 * Barlow Twins implementations use it: biases and batch-norm parameters get neither weight decay
 * nor adaptation.
 * <pre>
 *   decayed:  g = grad + wd * w ;  q = eta * ||w|| / ||g||  (1 when either norm is 0) ;  g = q * g
 *   others:   g = grad
 *   b = momentum * b + g ;  w = w - lr * b
 * </pre>
 */
public final class Lars implements Optimizer {

    private final double momentum;
    private final double weightDecay;
    private final double trustCoefficient;
    private final NDManager manager;
    private final Map<String, NDArray> buffers = new HashMap<>();

    public Lars(double momentum, double weightDecay, double trustCoefficient, NDManager manager) {
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.trustCoefficient = trustCoefficient;
        this.manager = manager;
    }

    @Override
    public void update(List<TrainableParameter> parameters, double learningRate, NDManager step) {
        for (TrainableParameter p : parameters) {
            NDArray weight = p.array();
            NDArray w = ParameterUpdates.writableView(weight, step);
            NDArray g = ParameterUpdates.gradient(weight, step);
            if (p.decayed()) {
                g = g.add(w.mul(weightDecay));
                NDArray weightNorm = w.norm();
                NDArray gradientNorm = g.norm();
                NDArray ratio = weightNorm.mul(trustCoefficient).div(gradientNorm.maximum(1e-30f));
                NDArray usable = weightNorm.gt(0).logicalAnd(gradientNorm.gt(0));
                g = g.mul(NDArrays.where(usable, ratio, ratio.onesLike())); // scalar trust ratio, on the device
            }
            NDArray buffer = buffers.computeIfAbsent(
                    p.name(), k -> manager.zeros(weight.getShape(), weight.getDataType(), weight.getDevice()));
            buffer.muli(momentum).addi(g);
            ParameterUpdates.descend(w, buffer, p.learningRate(learningRate));
            ParameterUpdates.zeroGradient(weight);
        }
    }

    @Override
    public NDList state() {
        return MomentumBuffers.state(buffers);
    }

    @Override
    public void loadState(NDList state) {
        MomentumBuffers.load(buffers, state, manager, "LARS");
    }
}
