package io.twinview.bench;

import ai.djl.Device;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import io.twinview.augment.TwoViewAugmenter;
import io.twinview.augment.kafka.PolicyMapper;
import io.twinview.core.data.Datasets;
import io.twinview.core.data.ImageDataset;
import io.twinview.eval.probe.Evaluator;
import io.twinview.model.BlockParameters;
import io.twinview.model.EncoderKind;
import io.twinview.model.Seeds;
import io.twinview.proto.FieldOverrides;
import io.twinview.proto.v1.RunSpec;
import io.twinview.trainer.method.Methods;
import io.twinview.trainer.optim.LearningRateSchedule;
import io.twinview.trainer.run.ResolvedRun;
import io.twinview.trainer.run.RunSpecs;
import io.twinview.trainer.train.Learner;
import io.twinview.trainer.train.PairBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * One SSL run in this process, without Kafka or services: the run's resolved spec, its recipe,
 * learner and schedule, then the eval-service probes. For trying recipes quickly; the pipeline's own
 * figures come from {@code ./twinview demo}.
 */
@Command(
        name = "ssl",
        mixinStandardHelpOptions = true,
        description = "Train one SSL run in-process (no Kafka) and probe it like eval-service does.")
final class SslBench implements Callable<Integer> {

    @Option(names = "--dataset", required = true, description = "training data URI")
    String dataset;

    @Option(names = "--method", description = "SSL method key, e.g. simclr, mocov2 (default: the run default)")
    String method;

    @Option(names = "--epochs", description = "epochs (default: the method's)")
    Integer epochs;

    @Option(names = "--batch-size", description = "pairs per step (default: the method's)")
    Integer batchSize;

    @Option(names = "--encoder", defaultValue = "small")
    String encoder;

    @Option(names = "--lr", description = "peak learning rate (default: the method's)")
    Double learningRate;

    @Option(names = "--seed", defaultValue = "0")
    long seed;

    @Option(names = "--probe-every", defaultValue = "0", description = "also probe every this many epochs")
    int probeEvery;

    @Option(names = "--eval-train", description = "labelled set the probes are fitted on (default: the run's)")
    String evalTrain;

    @Option(names = "--eval-test", description = "labelled set the probes are scored on (default: the run's)")
    String evalTest;

    @Option(
            names = "--set",
            paramLabel = "PATH=VALUE",
            description = "set any RunSpec field, e.g. simclr.temperature=0.2 or byol.tau_base=0.99; repeatable")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() {
        RunSpec.Builder requested =
                RunSpec.newBuilder().setDatasetUri(dataset).setEncoder(encoder).setSeed(seed);
        if (epochs != null) {
            requested.setEpochs(epochs);
        }
        if (batchSize != null) {
            requested.setBatchSize(batchSize);
        }
        if (method != null) {
            requested.setMethod(method);
        }
        if (learningRate != null) {
            requested.getOptimizerBuilder().setLearningRate(learningRate);
        }
        if (evalTrain != null) {
            requested.setEvalTrainUri(evalTrain);
        }
        if (evalTest != null) {
            requested.setEvalTestUri(evalTest);
        }
        FieldOverrides.apply(requested, overrides);
        ResolvedRun run = RunSpecs.resolve(requested.build());
        RunSpec spec = run.spec();
        int epochs = spec.getEpochs();
        int batchSize = spec.getBatchSize();
        ImageDataset images = Datasets.open(spec.getDatasetUri());
        ImageDataset probeTrain = Datasets.open(spec.getEvalTrainUri());
        ImageDataset probeTest = Datasets.open(spec.getEvalTestUri());
        EncoderKind kind = EncoderKind.stored(spec.getEncoder());
        int size = spec.getImageSize();
        TwoViewAugmenter augmenter = new TwoViewAugmenter(PolicyMapper.toDomain(spec.getAugment()), size);
        int bytes = augmenter.viewBytes();
        long warmup = Math.round(spec.getOptimizer().getWarmupEpochs() * run.datasetSize() / batchSize);
        LearningRateSchedule schedule = new LearningRateSchedule(
                RunSpecs.peakLearningRate(spec),
                warmup,
                run.totalSteps(),
                spec.getOptimizer().getSchedule().equals("cosine"));
        System.out.printf(
                "ssl bench: %s %s on %s, %d epochs x %d images, batch %d, %s lr %.2g; probes %s -> %s%n",
                spec.getMethod(),
                kind.key(),
                spec.getDatasetUri(),
                epochs,
                run.datasetSize(),
                batchSize,
                spec.getOptimizer().getName(),
                spec.getOptimizer().getLearningRate(),
                probeTrain.uri(),
                probeTest.uri());
        System.out.println("  optimizer { " + TextFormat.shortDebugString(spec.getOptimizer()) + " }");
        Message settings = RunSpecs.methodSettings(spec);
        System.out.println("  " + Methods.get(spec.getMethod()).settingsField() + " { "
                + TextFormat.shortDebugString(settings) + " }");
        Evaluator evaluator = new Evaluator();
        long start = System.nanoTime();
        long step = 0;
        try (Learner learner = new Learner(RunSpecs.learnerConfig(spec, Device.cpu()))) {
            for (int epoch = 0; epoch < epochs && step < run.totalSteps(); epoch++) {
                int[] order = permutation(run.datasetSize(), Seeds.derive(spec.getSeed(), "bench-epoch-" + epoch));
                double loss = 0;
                int steps = 0;
                for (int from = 0; from + batchSize <= order.length && step < run.totalSteps(); from += batchSize) {
                    byte[] view1 = new byte[batchSize * bytes];
                    byte[] view2 = new byte[batchSize * bytes];
                    long[] samples = new long[batchSize];
                    for (int i = 0; i < batchSize; i++) {
                        samples[i] = order[from + i];
                        augmenter.augment(
                                images, order[from + i], spec.getSeed(), epoch, view1, i * bytes, view2, i * bytes);
                    }
                    loss += learner.step(
                                    new PairBatch(view1, view2, batchSize, size, size, samples),
                                    schedule.at(step),
                                    step + 1,
                                    run.totalSteps())
                            .loss();
                    steps++;
                    step++;
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf(
                        "  epoch %3d  loss %.4f  %6.1f pairs/s  %5.0f s%n",
                        epoch + 1, loss / steps, step * batchSize / seconds, seconds);
                boolean last = epoch == epochs - 1 || step >= run.totalSteps();
                if (last || (probeEvery > 0 && (epoch + 1) % probeEvery == 0)) {
                    Evaluator.Outcome outcome = evaluator.evaluate(new Evaluator.Input(
                            kind,
                            spec.getSeed(),
                            size,
                            BlockParameters.toBytes(learner.method().encoder()),
                            probeTrain,
                            probeTest,
                            200));
                    System.out.printf(
                            "    k-NN top-1 %.4f (random %.4f)   linear top-1 %.4f (random %.4f)%n",
                            outcome.ssl().knnTop1(),
                            outcome.randomInit().knnTop1(),
                            outcome.ssl().linearTop1(),
                            outcome.randomInit().linearTop1());
                }
            }
        }
        return 0;
    }

    private static int[] permutation(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }
}
