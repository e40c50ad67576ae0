package io.twinview.trainer.method;

/**
 * Head and loss hyper-parameters of a run, resolved: the method's defaults with the user's overrides.
 * Each method reads the ones it has; the others keep their defaults and are ignored.
 *
 * @param projectorHiddenDim width of the projector's hidden layers
 * @param projectorOutputDim width of the embedding the loss sees
 * @param projectorLayers Linear layers of the projector (2 = Linear-BN-ReLU-Linear)
 * @param predictorHiddenDim hidden width of a predictor MLP
 * @param temperature softmax temperature of contrastive losses
 * @param momentum key/target network momentum (MoCo m, BYOL's starting tau)
 * @param queueSize MoCo's negatives
 * @param barlowLambda Barlow Twins' off-diagonal weight
 * @param fixedPredictorLr SimSiam: the predictor keeps the peak learning rate
 * @param directPredRho DirectPred: moving-average rate of F
 * @param directPredEps DirectPred: eigenvalue floor
 * @param directPredEvery DirectPred: steps between predictor updates
 * @param keyBnSplits MoCo: sub-batches of the key encoder's split batch-norm
 * @param predictorLrScale BYOL, SimSiam: the predictor's learning rate relative to the rest
 */
public record MethodSettings(
        int projectorHiddenDim,
        int projectorOutputDim,
        int projectorLayers,
        int predictorHiddenDim,
        double temperature,
        double momentum,
        int queueSize,
        double barlowLambda,
        boolean fixedPredictorLr,
        double directPredRho,
        double directPredEps,
        int directPredEvery,
        int keyBnSplits,
        double predictorLrScale) {

    /** SimCLR-style settings for tests and benches: a projector and a temperature, the rest as MethodDefaults has it. */
    public static MethodSettings contrastive(int projectorHiddenDim, int projectorOutputDim, double temperature) {
        MethodDefaults d = MethodDefaults.builder().build();
        return new MethodSettings(projectorHiddenDim, projectorOutputDim, 2, d.predictorHiddenDim(), temperature,
                d.networkMomentum(), d.queueSize(), d.barlowLambda(), false, d.directPredRho(), d.directPredEps(),
                d.directPredEvery(), d.keyBnSplits(), d.predictorLrScale());
    }
}
