package io.twinview.trainer.run;

import io.twinview.core.augment.AugmentRecipes;
import io.twinview.core.data.DatasetException;
import io.twinview.core.data.Datasets;
import io.twinview.core.data.EvalSplits;
import io.twinview.core.data.ImageDataset;
import io.twinview.core.storage.StorageSettings;
import io.twinview.model.EncoderKind;
import io.twinview.proto.v1.HeadSpec;
import io.twinview.proto.v1.OptimizerSpec;
import io.twinview.proto.v1.RunSpec;
import io.twinview.trainer.method.MethodDefaults;
import io.twinview.trainer.method.MethodSettings;
import io.twinview.trainer.optim.OptimizerConfig;
import io.twinview.trainer.method.Methods;
import io.twinview.trainer.optim.Optimizers;
import java.util.List;

/**
 * Validates a submitted RunSpec and fills in defaults: the method's recipe for anything left at
 * zero or empty, the dataset's default evaluation splits, a checkpoint cadence.
 */
public final class RunSpecs {

    public static final int DEFAULT_SAMPLES_PER_TASK = 256;
    /** A run gets a checkpoint every epoch, but no more than this many in all by default. */
    public static final int MAX_DEFAULT_CHECKPOINTS = 20;
    private static final List<String> SCHEDULES = List.of("cosine", "constant");
    private static final List<String> LR_SCALINGS = List.of("linear", "none");

    private RunSpecs() {}

    /**
     * {@link #resolve(RunSpec, StorageSettings)} without object storage: a dataset URI of the form
     * {@code SCHEME:s3://...} is rejected naming the missing storage settings.
     *
     * @throws InvalidRunSpecException naming the first invalid field, its value and what is allowed
     */
    public static ResolvedRun resolve(RunSpec requested) {
        return resolve(requested, null);
    }

    /**
     * @param storage the trainer's object storage (endpoint, credentials): dataset and evaluation URIs
     *                of the form {@code SCHEME:s3://BUCKET/PREFIX} are mirrored into the dataset cache
     *                and read there, and keep their s3:// form in the resolved spec; null for none
     * @throws InvalidRunSpecException naming the first invalid field, its value and what is allowed
     */
    public static ResolvedRun resolve(RunSpec requested, StorageSettings storage) {
        RunSpec.Builder spec = requested.toBuilder();

        String method = requested.getMethod().isEmpty() ? "simclr" : requested.getMethod();
        MethodDefaults defaults;
        try {
            defaults = Methods.get(method).defaults();
        } catch (IllegalArgumentException e) {
            throw new InvalidRunSpecException("method", method, "one of " + String.join(", ", Methods.keys()));
        }
        spec.setMethod(method);

        if (requested.getDatasetUri().isBlank()) {
            throw new InvalidRunSpecException("dataset_uri", "is required (e.g. cifar10:/data/cifar-10-batches-bin or synthetic:)");
        }
        EvalSplits splits;
        ImageDataset dataset;
        try {
            splits = Datasets.defaultSplits(requested.getDatasetUri(), storage);
            dataset = Datasets.open(splits.pretrainUri(), storage);
        } catch (DatasetException e) {
            throw new InvalidRunSpecException("dataset_uri", "cannot be read: " + e.getMessage());
        }
        String note = splits.pretrainUri().equals(requested.getDatasetUri()) ? "" : splits.note();
        spec.setDatasetUri(splits.pretrainUri());
        resolveEvalSet(spec, "eval_train_uri", requested.getEvalTrainUri(), splits.evalTrainUri(), storage);
        resolveEvalSet(spec, "eval_test_uri", requested.getEvalTestUri(), splits.evalTestUri(), storage);
        if (!requested.getEvalTrainUri().isEmpty() || !requested.getEvalTestUri().isEmpty()) {
            note = "";
        }

        int epochs = positiveOrDefault("epochs", requested.hasEpochs(), requested.getEpochs(), defaults.epochs());
        int batch = positiveOrDefault("batch_size", requested.hasBatchSize(), requested.getBatchSize(), defaults.batchSize());
        spec.setEpochs(epochs).setBatchSize(batch);
        long totalSteps = (long) epochs * dataset.size() / batch;
        if (totalSteps < 1) {
            throw new InvalidRunSpecException("batch_size", batch, "at most epochs x dataset size = "
                    + (long) epochs * dataset.size() + " pairs, or there is not one step to train");
        }

        String encoderKey = requested.getEncoder().isEmpty() ? "small" : requested.getEncoder();
        EncoderKind encoder;
        try {
            encoder = EncoderKind.fromKey(encoderKey);
        } catch (IllegalArgumentException e) {
            throw new InvalidRunSpecException("encoder", encoderKey, "one of " + String.join(", ", EncoderKind.keys()));
        }
        spec.setEncoder(encoder.key());

        int imageSize = requested.hasImageSize() ? requested.getImageSize() : dataset.height();
        if (imageSize < 8 || imageSize > 512) {
            throw new InvalidRunSpecException("image_size", requested.getImageSize(), "8..512 pixels (unset = the dataset's size)");
        }
        spec.setImageSize(imageSize);

        spec.setOptimizer(resolveOptimizer(requested.getOptimizer(), defaults, epochs));
        spec.setHead(resolveHead(requested.getHead(), defaults, encoder, batch));

        try {
            io.twinview.proto.v1.AugmentRecipe recipe = requested.hasAugment()
                    ? requested.getAugment()
                    : io.twinview.proto.v1.AugmentRecipe.getDefaultInstance();
            if (recipe.getName().isEmpty()) {
                recipe = recipe.toBuilder().setName(defaults.recipe()).build();
            }
            spec.setAugment(AugmentRecipes.resolve(recipe, imageSize)); // the image size picks the 32 px or ImageNet variant
        } catch (IllegalArgumentException e) {
            throw new InvalidRunSpecException("augment", e.getMessage());
        }

        int samplesPerTask = positiveOrDefault("samples_per_task", requested.hasSamplesPerTask(), requested.getSamplesPerTask(), DEFAULT_SAMPLES_PER_TASK);
        spec.setSamplesPerTask(samplesPerTask);

        long stepsPerEpoch = Math.max(1, dataset.size() / batch);
        long defaultEvery = Math.max(stepsPerEpoch, (totalSteps + MAX_DEFAULT_CHECKPOINTS - 1) / MAX_DEFAULT_CHECKPOINTS);
        int every = positiveOrDefault("checkpoint_every_steps", requested.hasCheckpointEverySteps(),
                requested.getCheckpointEverySteps(), (int) Math.min(defaultEvery, Integer.MAX_VALUE));
        spec.setCheckpointEverySteps(every);

        return new ResolvedRun(spec.build(), dataset.size(), totalSteps, note);
    }

    private static void resolveEvalSet(RunSpec.Builder spec, String field, String requested, String fallback,
                                       StorageSettings storage) {
        String uri = requested.isEmpty() ? fallback : requested;
        if (uri == null) {
            uri = "";
        }
        if (!requested.isEmpty()) {
            try {
                Datasets.open(requested, storage);
            } catch (DatasetException e) {
                throw new InvalidRunSpecException(field, "cannot be read: " + e.getMessage());
            }
        }
        if (field.equals("eval_train_uri")) {
            spec.setEvalTrainUri(uri);
        } else {
            spec.setEvalTestUri(uri);
        }
    }

    private static OptimizerSpec resolveOptimizer(OptimizerSpec requested, MethodDefaults defaults, int epochs) {
        OptimizerSpec.Builder optimizer = requested.toBuilder();
        boolean sameOptimizer = requested.getName().isEmpty() || requested.getName().equals(defaults.optimizer());
        String name = requested.getName().isEmpty() ? defaults.optimizer() : requested.getName();
        if (!Optimizers.NAMES.contains(name)) {
            throw new InvalidRunSpecException("optimizer.name", name, "one of " + String.join(", ", Optimizers.NAMES));
        }
        optimizer.setName(name);
        if (requested.hasLearningRate()) {
            double lr = requested.getLearningRate();
            if (!(lr > 0) || Double.isInfinite(lr)) {
                throw new InvalidRunSpecException("optimizer.learning_rate", lr, "a positive number");
            }
        } else if (!sameOptimizer) {
            throw new InvalidRunSpecException("optimizer.learning_rate", "must be set when optimizer.name is " + name
                    + ": the method's default rate is for " + defaults.optimizer());
        } else {
            optimizer.setLearningRate(defaults.learningRate());
        }
        double momentum = requested.hasMomentum() ? requested.getMomentum() : defaults.momentum();
        if (!(momentum >= 0 && momentum < 1)) {
            throw new InvalidRunSpecException("optimizer.momentum", momentum, "0 <= momentum < 1");
        }
        optimizer.setMomentum(momentum);
        double weightDecay = requested.hasWeightDecay() ? requested.getWeightDecay() : defaults.weightDecay();
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new InvalidRunSpecException("optimizer.weight_decay", weightDecay, "a number >= 0");
        }
        optimizer.setWeightDecay(weightDecay);
        double warmup = requested.hasWarmupEpochs() ? requested.getWarmupEpochs() : Math.min(defaults.warmupEpochs(), epochs / 2.0);
        if (!(warmup >= 0 && warmup < epochs)) {
            throw new InvalidRunSpecException("optimizer.warmup_epochs", warmup, "0 <= warmup < epochs (" + epochs + ")");
        }
        optimizer.setWarmupEpochs(warmup);
        String scaling = requested.getLrScaling().isEmpty()
                ? (sameOptimizer && !requested.hasLearningRate() ? defaults.lrScaling() : "none")
                : requested.getLrScaling();
        if (!LR_SCALINGS.contains(scaling)) {
            throw new InvalidRunSpecException("optimizer.lr_scaling", scaling, "one of " + String.join(", ", LR_SCALINGS));
        }
        optimizer.setLrScaling(scaling);
        double trust = requested.hasTrustCoefficient() ? requested.getTrustCoefficient() : defaults.trustCoefficient();
        if (!(trust > 0 && trust <= 1)) {
            throw new InvalidRunSpecException("optimizer.trust_coefficient", trust, "0 < eta <= 1");
        }
        optimizer.setTrustCoefficient(trust);
        String schedule = requested.getSchedule().isEmpty() ? defaults.schedule() : requested.getSchedule();
        if (!SCHEDULES.contains(schedule)) {
            throw new InvalidRunSpecException("optimizer.schedule", schedule, "one of " + String.join(", ", SCHEDULES));
        }
        optimizer.setSchedule(schedule);
        return optimizer.build();
    }

    private static HeadSpec resolveHead(HeadSpec requested, MethodDefaults defaults, EncoderKind encoder, int batch) {
        int defaultHidden = defaults.projectorHiddenDim() != 0 ? defaults.projectorHiddenDim() : encoder.featureDim();
        int hidden = requested.hasProjectorHiddenDim() ? requested.getProjectorHiddenDim() : defaultHidden;
        check("head.projector_hidden_dim", hidden, 1, 16384);
        int out = requested.hasProjectorOutputDim() ? requested.getProjectorOutputDim() : defaults.projectorOutputDim();
        check("head.projector_output_dim", out, 1, 16384);
        int layers = requested.hasProjectorLayers() ? requested.getProjectorLayers() : defaults.projectorLayers();
        check("head.projector_layers", layers, 1, 4);
        int predictor = requested.hasPredictorHiddenDim() ? requested.getPredictorHiddenDim() : defaults.predictorHiddenDim();
        check("head.predictor_hidden_dim", predictor, 1, 16384);
        double temperature = requested.hasTemperature() ? requested.getTemperature() : defaults.temperature();
        if (!(temperature > 0 && temperature <= 100)) {
            throw new InvalidRunSpecException("head.temperature", temperature, "0 < temperature <= 100");
        }
        double momentum = requested.hasMomentum() ? requested.getMomentum() : defaults.networkMomentum();
        if (!(momentum >= 0 && momentum < 1)) {
            throw new InvalidRunSpecException("head.momentum", momentum, "0 <= momentum < 1");
        }
        int queue = requested.hasQueueSize() ? requested.getQueueSize() : defaults.queueSize();
        if (queue < 0 || queue % batch != 0) {
            throw new InvalidRunSpecException("head.queue_size", queue, "a multiple of batch_size (" + batch + "), 0 for none");
        }
        double lambda = requested.hasBarlowLambda() ? requested.getBarlowLambda() : defaults.barlowLambda();
        if (!(lambda >= 0) || Double.isInfinite(lambda)) {
            throw new InvalidRunSpecException("head.barlow_lambda", lambda, "a number >= 0");
        }
        double rho = requested.hasDirectpredRho() ? requested.getDirectpredRho() : defaults.directPredRho();
        if (!(rho >= 0 && rho < 1)) {
            throw new InvalidRunSpecException("head.directpred_rho", rho, "0 <= rho < 1");
        }
        double eps = requested.hasDirectpredEps() ? requested.getDirectpredEps() : defaults.directPredEps();
        if (!(eps >= 0) || Double.isInfinite(eps)) {
            throw new InvalidRunSpecException("head.directpred_eps", eps, "a number >= 0");
        }
        int every = requested.hasDirectpredEvery() ? requested.getDirectpredEvery() : defaults.directPredEvery();
        check("head.directpred_every", every, 1, 1_000_000);
        double predictorLrScale = requested.hasPredictorLrScale() ? requested.getPredictorLrScale() : defaults.predictorLrScale();
        if (!(predictorLrScale > 0 && predictorLrScale <= 1000)) {
            throw new InvalidRunSpecException("head.predictor_lr_scale", predictorLrScale, "a number in (0, 1000]");
        }
        int splits = requested.hasKeyBnSplits() ? requested.getKeyBnSplits() : defaults.keyBnSplits();
        if (splits < 1 || batch % splits != 0) {
            throw new InvalidRunSpecException("head.key_bn_splits", splits, "a divisor of batch_size (" + batch + ")");
        }
        return HeadSpec.newBuilder()
                .setProjectorHiddenDim(hidden)
                .setProjectorOutputDim(out)
                .setProjectorLayers(layers)
                .setPredictorHiddenDim(predictor)
                .setTemperature(temperature)
                .setMomentum(momentum)
                .setQueueSize(queue)
                .setBarlowLambda(lambda)
                .setFixedPredictorLr(requested.hasFixedPredictorLr() ? requested.getFixedPredictorLr() : defaults.fixedPredictorLr())
                .setDirectpredRho(rho)
                .setDirectpredEps(eps)
                .setDirectpredEvery(every)
                .setKeyBnSplits(splits)
                .setPredictorLrScale(predictorLrScale)
                .build();
    }

    private static void check(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw new InvalidRunSpecException(field, value, min + ".." + max);
        }
    }

    /** The peak learning rate a resolved spec trains with: the base rate, scaled by batch / 256 when asked. */
    public static double peakLearningRate(RunSpec spec) {
        double base = spec.getOptimizer().getLearningRate();
        return spec.getOptimizer().getLrScaling().equals("linear") ? base * spec.getBatchSize() / 256.0 : base;
    }

    /** The method settings of a resolved spec. */
    public static MethodSettings settings(RunSpec spec) {
        HeadSpec h = spec.getHead();
        return new MethodSettings(h.getProjectorHiddenDim(), h.getProjectorOutputDim(), h.getProjectorLayers(),
                h.getPredictorHiddenDim(), h.getTemperature(), h.getMomentum(), h.getQueueSize(), h.getBarlowLambda(),
                h.getFixedPredictorLr(), h.getDirectpredRho(), h.getDirectpredEps(), h.getDirectpredEvery(),
                h.getKeyBnSplits(), h.getPredictorLrScale());
    }

    /** The optimizer of a resolved spec. */
    public static OptimizerConfig optimizer(RunSpec spec) {
        OptimizerSpec o = spec.getOptimizer();
        return new OptimizerConfig(o.getName(), peakLearningRate(spec), o.getMomentum(), o.getWeightDecay(),
                o.getTrustCoefficient());
    }

    private static int positiveOrDefault(String field, boolean present, int value, int fallback) {
        if (!present) {
            return fallback;
        }
        if (value < 1) {
            throw new InvalidRunSpecException(field, value, "a positive number (unset = " + fallback + ")");
        }
        return value;
    }
}
