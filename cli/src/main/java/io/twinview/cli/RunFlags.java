package io.twinview.cli;

import io.twinview.proto.FieldOverrides;
import io.twinview.proto.v1.RunSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The flags that make a RunSpec; only flags given are set, the trainer fills in the rest. */
public final class RunFlags {

    @Option(names = "--method", description = "SSL method (default: simclr)")
    String method;

    @Option(
            names = "--dataset",
            description = "training data URI: synthetic:?n=N, cifar10:DIR[?split=train|test|batches=1-4],"
                    + " or any format on the pipeline's object storage: cifar10:s3://BUCKET/PREFIX[?...]")
    String dataset;

    @Option(names = "--epochs", description = "epochs of pre-training")
    Integer epochs;

    @Option(names = "--batch-size", description = "pairs per optimizer step")
    Integer batchSize;

    @Option(
            names = "--encoder",
            description =
                    "small | resnet18 | resnet50 (stem by image size) | resnet18-cifar | resnet18-imagenet | resnet50-cifar | resnet50-imagenet (default: small)")
    String encoder;

    @Option(names = "--seed", description = "seed of weights, data order and augmentation (default: 0)")
    Long seed;

    @Option(
            names = "--eval-train",
            description = "labelled set the probes are fitted on (default: the training data's labelled split)")
    String evalTrain;

    @Option(
            names = "--eval-test",
            description = "labelled set the probes are scored on (default: the training data's held-out split)")
    String evalTest;

    @Option(
            names = "--checkpoint-every",
            description = "optimizer steps between checkpoints (default: every epoch, at most 20 per run)")
    Integer checkpointEvery;

    @Option(names = "--lr", description = "peak learning rate (default: the method's)")
    Double learningRate;

    @Option(
            names = "--initial-weights",
            paramLabel = "FILE",
            description = "start the encoder from these weights instead of its seeded random init: a safetensors"
                    + " file in torchvision names (what `twinview export --format safetensors` writes) under the"
                    + " services' dataset roots, or s3://BUCKET/KEY")
    String initialWeights;

    @Option(
            names = "--set",
            paramLabel = "PATH=VALUE",
            description = "set any RunSpec field by its proto path, after the flags above; repeatable, "
                    + "e.g. --set byol.tau_base=0.99 --set optimizer.name=sgd (fields: proto/.../run.proto)")
    List<String> overrides = new ArrayList<>();

    /**
     * @param defaultDataset used when --dataset is not given
     * @param defaultEpochs used when --epochs is not given (null: the trainer's default)
     */
    RunSpec toSpec(String defaultDataset, Integer defaultEpochs) {
        RunSpec.Builder spec = RunSpec.newBuilder();
        spec.setDatasetUri(absolute(dataset != null ? dataset : defaultDataset));
        if (method != null) {
            spec.setMethod(method);
        }
        Integer e = epochs != null ? epochs : defaultEpochs;
        if (e != null) {
            spec.setEpochs(e);
        }
        if (batchSize != null) {
            spec.setBatchSize(batchSize);
        }
        if (encoder != null) {
            spec.setEncoder(encoder);
        }
        if (seed != null) {
            spec.setSeed(seed);
        }
        if (evalTrain != null) {
            spec.setEvalTrainUri(absolute(evalTrain));
        }
        if (evalTest != null) {
            spec.setEvalTestUri(absolute(evalTest));
        }
        if (checkpointEvery != null) {
            spec.setCheckpointEverySteps(checkpointEvery);
        }
        if (learningRate != null) {
            spec.getOptimizerBuilder().setLearningRate(learningRate);
        }
        if (initialWeights != null) {
            spec.setInitialWeights(initialWeights);
        }
        FieldOverrides.apply(spec, overrides);
        if (!spec.getInitialWeights().isEmpty()) {
            spec.setInitialWeights(absoluteFile(spec.getInitialWeights()));
        }
        return spec.build();
    }

    /** A local file resolved against the user's directory, as {@link #absolute} does for datasets; s3:// stays. */
    static String absoluteFile(String path) {
        if (path.startsWith("s3://")) {
            return path;
        }
        return Path.of(path).toAbsolutePath().normalize().toString();
    }

    /**
     * Directories in URIs are resolved here, against the directory the user typed the command in:
     * the services run elsewhere. Object storage paths ({@code cifar10:s3://BUCKET/PREFIX}) are not
     * directories and stay as they are.
     */
    static String absolute(String uri) {
        int colon = uri.indexOf(':');
        if (colon < 0 || !uri.startsWith("cifar10:")) {
            return uri;
        }
        String rest = uri.substring(colon + 1);
        int query = rest.indexOf('?');
        String dir = query < 0 ? rest : rest.substring(0, query);
        String params = query < 0 ? "" : rest.substring(query);
        if (dir.isEmpty() || dir.startsWith("s3://") || Path.of(dir).isAbsolute()) {
            return uri;
        }
        return uri.substring(0, colon + 1) + Path.of(dir).toAbsolutePath().normalize() + params;
    }
}
