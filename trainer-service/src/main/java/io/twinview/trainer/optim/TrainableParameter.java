package io.twinview.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;

/**
 * A parameter the optimizer updates.
 *
 * @param name stable across processes ("encoder/01Conv2d_weight"): keys the optimizer state in checkpoints
 * @param decayed whether weight decay applies; biases and batch-norm parameters are excluded, as in
 *     the SimCLR and BYOL implementations
 */
public record TrainableParameter(String name, Parameter parameter, boolean decayed) {

    public NDArray array() {
        return parameter.getArray();
    }

    public static TrainableParameter of(String name, Parameter parameter) {
        boolean decayed = parameter.getType() == Parameter.Type.WEIGHT;
        return new TrainableParameter(name, parameter, decayed);
    }
}
