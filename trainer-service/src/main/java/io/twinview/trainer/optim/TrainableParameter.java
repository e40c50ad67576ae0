package io.twinview.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;

/**
 * A parameter the optimizer updates.
 *
 * @param name stable across processes ("encoder/01Conv2d_weight"): keys the optimizer state in checkpoints
 * @param decayed whether weight decay (and LARS's trust ratio) applies; biases and batch-norm
 *     parameters are excluded, as in the SimCLR and BYOL implementations
 * @param fixedLearningRate a rate this parameter keeps whatever the schedule says (SimSiam's
 *     predictor), or NaN to follow the schedule
 * @param learningRateScale multiplies the rate (scheduled or fixed): a predictor's relative rate
 */
public record TrainableParameter(
        String name, Parameter parameter, boolean decayed, double fixedLearningRate, double learningRateScale) {

    public NDArray array() {
        return parameter.getArray();
    }

    /** The rate for this parameter when the schedule says {@code scheduled}. */
    public double learningRate(double scheduled) {
        return (Double.isNaN(fixedLearningRate) ? scheduled : fixedLearningRate) * learningRateScale;
    }

    public static TrainableParameter of(String name, Parameter parameter) {
        return new TrainableParameter(name, parameter, parameter.getType() == Parameter.Type.WEIGHT, Double.NaN, 1);
    }

    public TrainableParameter withFixedLearningRate(double rate) {
        return new TrainableParameter(name, parameter, decayed, rate, learningRateScale);
    }

    public TrainableParameter withLearningRateScale(double scale) {
        return new TrainableParameter(name, parameter, decayed, fixedLearningRate, scale);
    }
}
