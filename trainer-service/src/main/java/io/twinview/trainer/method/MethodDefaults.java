package io.twinview.trainer.method;

/**
 * A method's default recipe: what a run gets for each field it leaves unset.
 *
 * @param learningRate the base rate; with {@code lrScaling} "linear" the peak is learningRate x batch / 256
 * @param projectorHiddenDim 0 = the encoder's feature width
 */
public record MethodDefaults(
        String optimizer,
        double learningRate,
        String lrScaling,
        double momentum,
        double weightDecay,
        double trustCoefficient,
        double warmupEpochs,
        String schedule,
        int batchSize,
        int epochs,
        double temperature,
        int projectorHiddenDim,
        int projectorOutputDim,
        int projectorLayers,
        int predictorHiddenDim,
        double networkMomentum,
        int queueSize,
        double barlowLambda,
        boolean fixedPredictorLr,
        double directPredRho,
        double directPredEps,
        int directPredEvery,
        int keyBnSplits,
        double predictorLrScale,
        String recipe) {

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private String optimizer = "sgd";
        private double learningRate = 0.1;
        private String lrScaling = "none";
        private double momentum = 0.9;
        private double weightDecay;
        private double trustCoefficient = 0.001;
        private double warmupEpochs;
        private String schedule = "cosine";
        private int batchSize = 256;
        private int epochs = 10;
        private double temperature = 0.5;
        private int projectorHiddenDim;
        private int projectorOutputDim = 128;
        private int projectorLayers = 2;
        private int predictorHiddenDim = 512;
        private double networkMomentum = 0.99;
        /** 0: no queue (every method but MoCo). */
        private int queueSize;
        private double barlowLambda = 5.1e-3;
        private boolean fixedPredictorLr;
        private double directPredRho = 0.3;
        private double directPredEps = 0.01;
        private int directPredEvery = 1;
        /** 1: no split batch-norm (every method but MoCo). */
        private int keyBnSplits = 1;
        private double predictorLrScale = 1;
        private String recipe = "simclr";

        public Builder optimizer(String name, double learningRate, double momentum, double weightDecay) {
            this.optimizer = name;
            this.learningRate = learningRate;
            this.momentum = momentum;
            this.weightDecay = weightDecay;
            return this;
        }

        /** The peak rate is the base rate x batch / 256. */
        public Builder linearScaling() {
            this.lrScaling = "linear";
            return this;
        }

        public Builder trustCoefficient(double trustCoefficient) {
            this.trustCoefficient = trustCoefficient;
            return this;
        }

        public Builder warmupEpochs(double warmupEpochs) {
            this.warmupEpochs = warmupEpochs;
            return this;
        }

        public Builder schedule(String schedule) {
            this.schedule = schedule;
            return this;
        }

        public Builder batch(int batchSize, int epochs) {
            this.batchSize = batchSize;
            this.epochs = epochs;
            return this;
        }

        public Builder temperature(double temperature) {
            this.temperature = temperature;
            return this;
        }

        public Builder projector(int hidden, int out) {
            this.projectorHiddenDim = hidden;
            this.projectorOutputDim = out;
            return this;
        }

        public Builder projectorLayers(int layers) {
            this.projectorLayers = layers;
            return this;
        }

        public Builder predictor(int hidden) {
            this.predictorHiddenDim = hidden;
            return this;
        }

        public Builder networkMomentum(double momentum) {
            this.networkMomentum = momentum;
            return this;
        }

        public Builder queue(int size) {
            this.queueSize = size;
            return this;
        }

        public Builder barlowLambda(double lambda) {
            this.barlowLambda = lambda;
            return this;
        }

        public Builder fixedPredictorLr(boolean fixed) {
            this.fixedPredictorLr = fixed;
            return this;
        }

        public Builder directPred(double rho, double eps, int every) {
            this.directPredRho = rho;
            this.directPredEps = eps;
            this.directPredEvery = every;
            return this;
        }

        public Builder keyBnSplits(int splits) {
            this.keyBnSplits = splits;
            return this;
        }

        public Builder predictorLrScale(double scale) {
            this.predictorLrScale = scale;
            return this;
        }

        public Builder recipe(String recipe) {
            this.recipe = recipe;
            return this;
        }

        public MethodDefaults build() {
            return new MethodDefaults(optimizer, learningRate, lrScaling, momentum, weightDecay, trustCoefficient,
                    warmupEpochs, schedule, batchSize, epochs, temperature, projectorHiddenDim, projectorOutputDim,
                    projectorLayers, predictorHiddenDim, networkMomentum, queueSize, barlowLambda, fixedPredictorLr,
                    directPredRho, directPredEps, directPredEvery, keyBnSplits, predictorLrScale, recipe);
        }
    }
}
