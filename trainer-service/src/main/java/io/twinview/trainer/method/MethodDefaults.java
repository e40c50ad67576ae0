package io.twinview.trainer.method;

/**
 * A method's default recipe: what a run gets for each field it leaves unset.
 *
 * @param projectorHiddenDim 0 = the encoder's feature width
 */
public record MethodDefaults(
        String optimizer,
        double learningRate,
        double momentum,
        double weightDecay,
        double warmupEpochs,
        String schedule,
        double temperature,
        int projectorHiddenDim,
        int projectorOutputDim,
        String recipe) {

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private String optimizer = "sgd";
        private double learningRate = 0.1;
        private double momentum = 0.9;
        private double weightDecay;
        private double warmupEpochs;
        private String schedule = "cosine";
        private double temperature = 0.5;
        private int projectorHiddenDim;
        private int projectorOutputDim = 128;
        private String recipe = "simclr";

        public Builder optimizer(String name, double learningRate, double momentum, double weightDecay) {
            this.optimizer = name;
            this.learningRate = learningRate;
            this.momentum = momentum;
            this.weightDecay = weightDecay;
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

        public Builder temperature(double temperature) {
            this.temperature = temperature;
            return this;
        }

        public Builder projector(int hidden, int out) {
            this.projectorHiddenDim = hidden;
            this.projectorOutputDim = out;
            return this;
        }

        public Builder recipe(String recipe) {
            this.recipe = recipe;
            return this;
        }

        public MethodDefaults build() {
            return new MethodDefaults(optimizer, learningRate, momentum, weightDecay, warmupEpochs,
                    schedule, temperature, projectorHiddenDim, projectorOutputDim, recipe);
        }
    }
}
