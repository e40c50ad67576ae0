package io.twinview.trainer.run;

import ai.djl.Device;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import io.twinview.core.augment.AugmentRecipes;
import io.twinview.core.data.DatasetAccessException;
import io.twinview.core.data.DatasetException;
import io.twinview.core.data.DatasetPolicy;
import io.twinview.core.data.Datasets;
import io.twinview.core.data.EvalSplits;
import io.twinview.core.data.ImageDataset;
import io.twinview.core.storage.StorageSettings;
import io.twinview.model.EncoderKind;
import io.twinview.model.InitialWeights;
import io.twinview.proto.v1.OptimizerSpec;
import io.twinview.proto.v1.RunSpec;
import io.twinview.trainer.method.InvalidSettingException;
import io.twinview.trainer.method.MethodDefinition;
import io.twinview.trainer.method.Methods;
import io.twinview.trainer.method.Recipe;
import io.twinview.trainer.method.RunShape;
import io.twinview.trainer.optim.OptimizerConfig;
import io.twinview.trainer.optim.Optimizers;
import io.twinview.trainer.train.Learner;
import java.util.List;

/**
 * Validates a submitted RunSpec and fills in defaults: the method's recipe for anything left at
 * zero or empty, the method's own settings (each method checks its own, see {@link MethodDefinition}),
 * the dataset's default evaluation splits, a checkpoint cadence. Every dataset URI must lie within the
 * service's dataset roots and every size within its {@link RunLimits} and dataset limits
 * ({@link DatasetPolicy}).
 */
public final class RunSpecs {

    /** Samples per task unless the spec says, or fewer where {@code max-batch-pixels} allows fewer at the image size. */
    public static final int DEFAULT_SAMPLES_PER_TASK = 256;
    /** A run gets a checkpoint every epoch, but no more than this many in all by default. */
    public static final int MAX_DEFAULT_CHECKPOINTS = 20;

    private static final List<String> SCHEDULES = List.of("cosine", "constant");
    private static final List<String> LR_SCALINGS = List.of("linear", "none");

    /** Most PyTorch intra-op threads a run may ask for. */
    public static final int MAX_THREADS = 256;

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
        return resolve(requested, storage, DatasetPolicy.OPEN, RunLimits.DEFAULTS);
    }

    /**
     * @param storage  as {@link #resolve(RunSpec, StorageSettings)}
     * @param datasets where dataset URIs may point and how large the datasets may be
     * @param limits   bounds on the sizes the spec controls
     * @throws InvalidRunSpecException naming the first invalid field, its value and what is allowed
     */
    public static ResolvedRun resolve(
            RunSpec requested, StorageSettings storage, DatasetPolicy datasets, RunLimits limits) {
        return resolve(requested, storage, datasets, limits, RetentionPolicy.DEFAULTS);
    }

    /**
     * @param storage   as {@link #resolve(RunSpec, StorageSettings)}
     * @param datasets  where dataset URIs may point and how large the datasets may be
     * @param limits    bounds on the sizes the spec controls
     * @param retention the trainer's defaults of the spec's {@code retention} fields
     * @throws InvalidRunSpecException naming the first invalid field, its value and what is allowed
     */
    public static ResolvedRun resolve(
            RunSpec requested,
            StorageSettings storage,
            DatasetPolicy datasets,
            RunLimits limits,
            RetentionPolicy retention) {
        RunSpec.Builder spec = requested.toBuilder();

        String method = requested.getMethod().isEmpty() ? "simclr" : requested.getMethod();
        MethodDefinition<?> definition;
        try {
            definition = Methods.get(method);
        } catch (IllegalArgumentException e) {
            throw new InvalidRunSpecException("method", method, "one of " + String.join(", ", Methods.keys()));
        }
        Recipe defaults = definition.recipe();
        spec.setMethod(method);

        if (requested.getDatasetUri().isBlank()) {
            throw new InvalidRunSpecException(
                    "dataset_uri", "is required (e.g. cifar10:/data/cifar-10-batches-bin or synthetic:)");
        }
        int epochs = positiveOrDefault("epochs", requested.hasEpochs(), requested.getEpochs(), defaults.epochs());
        atMost("epochs", epochs, limits.maxEpochs(), "max-epochs");
        int batch = positiveOrDefault(
                "batch_size", requested.hasBatchSize(), requested.getBatchSize(), defaults.batchSize());
        atMost("batch_size", batch, limits.maxBatchSize(), "max-batch-size");
        if (requested.hasImageSize()) {
            checkImageSize(requested.getImageSize(), limits);
        }
        EvalSplits splits;
        ImageDataset dataset;
        try {
            splits = Datasets.defaultSplits(requested.getDatasetUri(), storage, datasets);
            dataset = Datasets.open(splits.pretrainUri(), storage, datasets);
        } catch (DatasetAccessException e) {
            throw new InvalidRunSpecException("dataset_uri", requested.getDatasetUri(), e.getMessage());
        } catch (DatasetException e) {
            throw new InvalidRunSpecException("dataset_uri", "cannot be read: " + e.getMessage());
        }
        String note = splits.pretrainUri().equals(requested.getDatasetUri()) ? "" : splits.note();
        spec.setDatasetUri(splits.pretrainUri());
        resolveEvalSet(spec, "eval_train_uri", requested.getEvalTrainUri(), splits.evalTrainUri(), storage, datasets);
        resolveEvalSet(spec, "eval_test_uri", requested.getEvalTestUri(), splits.evalTestUri(), storage, datasets);
        if (!requested.getEvalTrainUri().isEmpty()
                || !requested.getEvalTestUri().isEmpty()) {
            note = "";
        }

        spec.setEpochs(epochs).setBatchSize(batch);
        long totalSteps = (long) epochs * dataset.size() / batch;
        if (totalSteps < 1) {
            throw new InvalidRunSpecException(
                    "batch_size",
                    batch,
                    "at most epochs x dataset size = " + (long) epochs * dataset.size()
                            + " pairs, or there is not one step to train");
        }

        int imageSize = requested.hasImageSize() ? requested.getImageSize() : dataset.height();
        checkImageSize(imageSize, limits);
        String encoderKey = requested.getEncoder().isEmpty() ? "small" : requested.getEncoder();
        EncoderKind encoder;
        try {
            encoder = EncoderKind.resolve(encoderKey, imageSize);
        } catch (IllegalArgumentException e) {
            throw new InvalidRunSpecException("encoder", encoderKey, "one of " + String.join(", ", EncoderKind.keys()));
        }
        spec.setEncoder(encoder.key());
        long batchPixels = (long) batch * imageSize * imageSize;
        if (batchPixels > limits.maxBatchPixels()) {
            throw new InvalidRunSpecException(
                    "batch_size",
                    batch,
                    "batch_size x image_size^2 = " + batch + " x " + imageSize + "^2 = " + batchPixels
                            + " is over the trainer's memory bound of " + limits.maxBatchPixels()
                            + " (twinview.trainer.limits.max-batch-pixels): at image_size " + imageSize
                            + ", batch_size at most " + limits.maxBatchPixels() / ((long) imageSize * imageSize));
        }
        spec.setImageSize(imageSize);
        if (!requested.getInitialWeights().isEmpty()) {
            checkInitialWeights(requested.getInitialWeights(), encoder, imageSize, storage, datasets);
        }

        spec.setOptimizer(resolveOptimizer(requested.getOptimizer(), defaults.optimizer(), epochs));
        resolveMethodSettings(spec, requested, definition, new RunShape(encoder, batch));
        checkQueueSize(spec, definition, limits);

        try {
            io.twinview.proto.v1.AugmentRecipe recipe = requested.hasAugment()
                    ? requested.getAugment()
                    : io.twinview.proto.v1.AugmentRecipe.getDefaultInstance();
            if (recipe.getName().isEmpty()) {
                recipe = recipe.toBuilder().setName(defaults.augment()).build();
            }
            spec.setAugment(
                    AugmentRecipes.resolve(recipe, imageSize)); // the image size picks the 32 px or ImageNet variant
        } catch (IllegalArgumentException e) {
            throw new InvalidRunSpecException("augment", e.getMessage());
        }

        int samplesPerTask = positiveOrDefault(
                "samples_per_task", requested.hasSamplesPerTask(), requested.getSamplesPerTask(), (int) Math.max(
                        1,
                        Math.min(DEFAULT_SAMPLES_PER_TASK, limits.maxBatchPixels() / ((long) imageSize * imageSize))));
        atMost("samples_per_task", samplesPerTask, limits.maxSamplesPerTask(), "max-samples-per-task");
        long taskPixels = (long) samplesPerTask * imageSize * imageSize;
        if (taskPixels > limits.maxBatchPixels()) {
            throw new InvalidRunSpecException(
                    "samples_per_task",
                    samplesPerTask,
                    "samples_per_task x image_size^2 = " + taskPixels + " is over the trainer's buffer bound of "
                            + limits.maxBatchPixels() + " (twinview.trainer.limits.max-batch-pixels): at image_size "
                            + imageSize + ", at most " + limits.maxBatchPixels() / ((long) imageSize * imageSize));
        }
        spec.setSamplesPerTask(samplesPerTask);
        if (requested.hasThreads() && (requested.getThreads() < 1 || requested.getThreads() > MAX_THREADS)) {
            throw new InvalidRunSpecException(
                    "threads", requested.getThreads(), "1.." + MAX_THREADS + " (PyTorch intra-op threads), or unset");
        }

        long stepsPerEpoch = Math.max(1, dataset.size() / batch);
        long defaultEvery =
                Math.max(stepsPerEpoch, (totalSteps + MAX_DEFAULT_CHECKPOINTS - 1) / MAX_DEFAULT_CHECKPOINTS);
        int every = positiveOrDefault(
                "checkpoint_every_steps",
                requested.hasCheckpointEverySteps(),
                requested.getCheckpointEverySteps(),
                (int) Math.min(defaultEvery, Integer.MAX_VALUE));
        spec.setCheckpointEverySteps(every);
        spec.setRetention(retention.resolve(requested.getRetention()));

        return new ResolvedRun(spec.build(), dataset.size(), totalSteps, note);
    }

    /**
     * The spec's initial weights exist under the dataset roots, parse, and fit the resolved encoder key
     * by key.
     */
    private static void checkInitialWeights(
            String uri, EncoderKind encoder, int imageSize, StorageSettings storage, DatasetPolicy datasets) {
        try {
            initialWeights(uri, storage, datasets).check(encoder, imageSize);
        } catch (IllegalArgumentException e) {
            throw new InvalidRunSpecException(
                    "initial_weights",
                    uri,
                    e.getMessage() + " (a safetensors file of encoder " + encoder.key()
                            + " under torchvision names, as `twinview export --format safetensors` writes)");
        }
    }

    /**
     * Reads the initial weights a spec names, from a local path under the dataset roots or from object storage.
     *
     * @throws IllegalArgumentException naming the value and why it cannot be read
     */
    public static InitialWeights initialWeights(String uri, StorageSettings storage, DatasetPolicy datasets) {
        return InitialWeights.read(uri, storage, datasets);
    }

    private static void resolveEvalSet(
            RunSpec.Builder spec,
            String field,
            String requested,
            String fallback,
            StorageSettings storage,
            DatasetPolicy datasets) {
        String uri = requested.isEmpty() ? fallback : requested;
        if (uri == null) {
            uri = "";
        }
        if (!requested.isEmpty()) {
            try {
                Datasets.open(requested, storage, datasets);
            } catch (DatasetAccessException e) {
                throw new InvalidRunSpecException(field, requested, e.getMessage());
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

    private static OptimizerSpec resolveOptimizer(OptimizerSpec requested, OptimizerSpec defaults, int epochs) {
        OptimizerSpec.Builder optimizer = requested.toBuilder();
        boolean sameOptimizer =
                requested.getName().isEmpty() || requested.getName().equals(defaults.getName());
        String name = requested.getName().isEmpty() ? defaults.getName() : requested.getName();
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
            throw new InvalidRunSpecException(
                    "optimizer.learning_rate",
                    "must be set when optimizer.name is " + name + ": the method's default rate is for "
                            + defaults.getName());
        } else {
            optimizer.setLearningRate(defaults.getLearningRate());
        }
        double momentum = requested.hasMomentum() ? requested.getMomentum() : defaults.getMomentum();
        if (!(momentum >= 0 && momentum < 1)) {
            throw new InvalidRunSpecException("optimizer.momentum", momentum, "0 <= momentum < 1");
        }
        optimizer.setMomentum(momentum);
        double weightDecay = requested.hasWeightDecay() ? requested.getWeightDecay() : defaults.getWeightDecay();
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new InvalidRunSpecException("optimizer.weight_decay", weightDecay, "a number >= 0");
        }
        optimizer.setWeightDecay(weightDecay);
        double warmup = requested.hasWarmupEpochs()
                ? requested.getWarmupEpochs()
                : Math.min(defaults.getWarmupEpochs(), epochs / 2.0);
        if (!(warmup >= 0 && warmup < epochs)) {
            throw new InvalidRunSpecException(
                    "optimizer.warmup_epochs", warmup, "0 <= warmup < epochs (" + epochs + ")");
        }
        optimizer.setWarmupEpochs(warmup);
        String scaling = requested.getLrScaling().isEmpty()
                ? (sameOptimizer && !requested.hasLearningRate() ? defaults.getLrScaling() : "none")
                : requested.getLrScaling();
        if (!LR_SCALINGS.contains(scaling)) {
            throw new InvalidRunSpecException(
                    "optimizer.lr_scaling", scaling, "one of " + String.join(", ", LR_SCALINGS));
        }
        optimizer.setLrScaling(scaling);
        double trust =
                requested.hasTrustCoefficient() ? requested.getTrustCoefficient() : defaults.getTrustCoefficient();
        if (!(trust > 0 && trust <= 1)) {
            throw new InvalidRunSpecException("optimizer.trust_coefficient", trust, "0 < eta <= 1");
        }
        optimizer.setTrustCoefficient(trust);
        String schedule = requested.getSchedule().isEmpty() ? defaults.getSchedule() : requested.getSchedule();
        if (!SCHEDULES.contains(schedule)) {
            throw new InvalidRunSpecException("optimizer.schedule", schedule, "one of " + String.join(", ", SCHEDULES));
        }
        optimizer.setSchedule(schedule);
        return optimizer.build();
    }

    /**
     * The method's own settings field: the requested one over the method's defaults, completed and
     * checked by the method. Settings given for another method are refused rather than ignored.
     */
    private static void resolveMethodSettings(
            RunSpec.Builder spec, RunSpec requested, MethodDefinition<?> definition, RunShape run) {
        String given = Methods.settingsFieldOf(requested);
        if (!given.isEmpty() && !given.equals(definition.settingsField())) {
            throw new InvalidRunSpecException(
                    given,
                    "settings of another method: method is " + definition.key() + ", whose settings are "
                            + definition.settingsField() + ".*");
        }
        try {
            spec.setField(definition.field(), definition.resolve(requested, run));
        } catch (InvalidSettingException e) {
            throw new InvalidRunSpecException(e.field(), e);
        }
    }

    /** The peak learning rate a resolved spec trains with: the base rate, scaled by batch / 256 when asked. */
    public static double peakLearningRate(RunSpec spec) {
        double base = spec.getOptimizer().getLearningRate();
        return spec.getOptimizer().getLrScaling().equals("linear") ? base * spec.getBatchSize() / 256.0 : base;
    }

    /** The method's own settings message of a resolved spec. */
    public static Message methodSettings(RunSpec spec) {
        return Methods.get(spec.getMethod()).settings(spec);
    }

    /** The learner a resolved spec trains with, on {@code device}, its encoder seeded (no initial weights read). */
    public static Learner.Config learnerConfig(RunSpec spec, Device device) {
        return learnerConfig(spec, device, null);
    }

    /**
     * The learner a resolved spec trains with, on {@code device}.
     *
     * @param initialWeights the spec's {@code initial_weights} as read, for a run that starts fresh; null for
     *                       the seeded encoder (also for a run that resumes: its checkpoint has the weights)
     */
    public static Learner.Config learnerConfig(RunSpec spec, Device device, InitialWeights initialWeights) {
        return new Learner.Config(
                spec.getMethod(),
                EncoderKind.stored(spec.getEncoder()),
                spec.getImageSize(),
                spec.getSeed(),
                methodSettings(spec),
                optimizer(spec),
                device,
                spec.getThreads(),
                initialWeights);
    }

    /** The optimizer of a resolved spec. */
    public static OptimizerConfig optimizer(RunSpec spec) {
        OptimizerSpec o = spec.getOptimizer();
        return new OptimizerConfig(
                o.getName(), peakLearningRate(spec), o.getMomentum(), o.getWeightDecay(), o.getTrustCoefficient());
    }

    private static void atMost(String field, int value, int max, String setting) {
        if (value > max) {
            throw new InvalidRunSpecException(field, value, "1.." + max + " (twinview.trainer.limits." + setting + ")");
        }
    }

    private static void checkImageSize(int imageSize, RunLimits limits) {
        if (imageSize < RunLimits.MIN_IMAGE_SIZE || imageSize > limits.maxImageSize()) {
            throw new InvalidRunSpecException(
                    "image_size",
                    imageSize,
                    RunLimits.MIN_IMAGE_SIZE + ".." + limits.maxImageSize()
                            + " pixels (twinview.trainer.limits.max-image-size; unset = the dataset's size)");
        }
    }

    /** A queue of negatives (MoCo's queue_size) within the trainer's bound, whichever method keeps one. */
    private static void checkQueueSize(RunSpec.Builder spec, MethodDefinition<?> definition, RunLimits limits) {
        if (!(spec.getField(definition.field()) instanceof Message settings)) {
            return;
        }
        FieldDescriptor queue = settings.getDescriptorForType().findFieldByName("queue_size");
        if (queue == null) {
            return;
        }
        int size = ((Number) settings.getField(queue)).intValue();
        if (size > limits.maxQueueSize()) {
            throw new InvalidRunSpecException(
                    definition.settingsField() + ".queue_size",
                    size,
                    "at most " + limits.maxQueueSize() + " (twinview.trainer.limits.max-queue-size)");
        }
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
