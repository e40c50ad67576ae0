package io.twinview.trainer.method;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Message;
import io.twinview.model.EncoderKind;
import io.twinview.model.Encoders;
import io.twinview.model.ImageTensors;
import io.twinview.proto.FieldOverrides;
import io.twinview.proto.v1.RunSpec;
import io.twinview.trainer.optim.Optimizer;
import io.twinview.trainer.optim.OptimizerConfig;
import io.twinview.trainer.optim.TrainableParameter;
import io.twinview.trainer.run.RunSpecs;
import io.twinview.trainer.train.Learner;
import io.twinview.trainer.train.PairBatch;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.stream.LongStream;

/** Tiny runs of any method: 16 px images, the small ConvNet, small heads, settings as a run resolves them. */
public final class MethodFixtures {

    public static final int SIZE = 16;
    /** A synthetic dataset of {@link #SIZE} px images, enough for any test run's batch. */
    public static final String DATASET = "synthetic:?n=64&size=16";

    private MethodFixtures() {}

    /**
     * Sets the method's settings to small heads: the projector of every method, and the predictor
     * and queue of the methods that have them (a queue of {@code queue} keys, 2 key batch-norm splits).
     */
    public static RunSpec.Builder smallHeads(
            RunSpec.Builder spec, String method, int hidden, int out, int predictorHidden, int queue) {
        String field = Methods.get(method).settingsField();
        Descriptor settings = Methods.get(method).defaults().getDescriptorForType();
        List<String> overrides = new ArrayList<>(
                List.of(field + ".projector.hidden_dim=" + hidden, field + ".projector.output_dim=" + out));
        if (settings.findFieldByName("predictor") != null) {
            overrides.add(field + ".predictor.hidden_dim=" + predictorHidden);
        }
        if (settings.findFieldByName("queue_size") != null) {
            overrides.add(field + ".queue_size=" + queue);
            overrides.add(field + ".key_bn_splits=2");
        }
        FieldOverrides.apply(spec.setMethod(method), overrides);
        return spec;
    }

    /** The settings a run of {@code method} resolves to at batch 8 with these {@code path=value} overrides. */
    public static Message settings(String method, String... overrides) {
        RunSpec.Builder spec =
                RunSpec.newBuilder().setMethod(method).setDatasetUri(DATASET).setBatchSize(8);
        FieldOverrides.apply(spec, List.of(overrides));
        return RunSpecs.methodSettings(RunSpecs.resolve(spec.build()).spec());
    }

    /** A context with a freshly initialised small encoder: the same seed gives the same weights. */
    static MethodContext context(NDManager manager, long seed) {
        Block encoder = Encoders.create(EncoderKind.SMALL, seed, SIZE, manager);
        return new MethodContext(EncoderKind.SMALL, encoder, SIZE, seed, manager);
    }

    /** A learner of seed 3 with Adam at {@code learningRate}. */
    public static Learner learner(String method, Message settings, double learningRate) {
        return new Learner(new Learner.Config(
                method,
                EncoderKind.SMALL,
                SIZE,
                3,
                settings,
                new OptimizerConfig("adam", learningRate, 0.9, 1e-6, 0.001),
                Device.cpu(),
                0,
                null));
    }

    /** Pairs whose second view is the first plus a little noise: easy to tell apart from each other. */
    public static PairBatch batch(long seed, int n) {
        Random random = new Random(seed);
        byte[] view1 = new byte[n * SIZE * SIZE * 3];
        random.nextBytes(view1);
        byte[] view2 = view1.clone();
        for (int i = 0; i < view2.length; i++) {
            view2[i] = (byte) Math.max(0, Math.min(255, (view2[i] & 0xff) + random.nextInt(21) - 10));
        }
        return new PairBatch(view1, view2, n, SIZE, SIZE, LongStream.range(0, n).toArray());
    }

    static NDArray view1(NDManager manager, PairBatch batch) {
        return ImageTensors.normalized(manager, batch.view1(), 0, batch.count(), SIZE, SIZE);
    }

    static NDArray view2(NDManager manager, PairBatch batch) {
        return ImageTensors.normalized(manager, batch.view2(), 0, batch.count(), SIZE, SIZE);
    }

    /** Every parameter's values (weights and running statistics), by name. */
    static Map<String, float[]> snapshot(Block block) {
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            values.put(p.getKey(), p.getValue().getArray().toFloatArray());
        }
        return values;
    }

    /** The gradient-trained parameters of a method, as the Learner collects them. */
    static List<TrainableParameter> trainable(SslMethod method) {
        List<TrainableParameter> list = new ArrayList<>();
        method.trainableBlocks().forEach((role, block) -> {
            for (Pair<String, Parameter> p : block.getParameters()) {
                if (p.getValue().requiresGradient()) {
                    list.add(TrainableParameter.of(role + "/" + p.getKey(), p.getValue()));
                }
            }
        });
        return list;
    }

    /** The Learner's step, for a method built by hand: loss, backward, update, afterStep. */
    static float step(
            SslMethod method,
            Optimizer optimizer,
            List<TrainableParameter> parameters,
            ParameterStore store,
            NDManager manager,
            PairBatch batch,
            double learningRate,
            long step,
            long totalSteps) {
        try (NDManager scope = manager.newSubManager()) {
            float loss;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray lossArray = method.loss(store, view1(scope, batch), view2(scope, batch));
                lossArray.attach(scope);
                collector.backward(lossArray);
                loss = lossArray.getFloat();
            }
            optimizer.update(parameters, learningRate, scope);
            method.afterStep(step, totalSteps);
            return loss;
        }
    }

    /**
     * After one batch of 8 rows, seven more (2 x 32 rows in all) determine a 32x32 predictor map:
     * then the predictor alignment is a fraction.
     */
    static void assertAlignmentAfterEnoughRows(PredictorMethod method, NDManager manager) {
        ParameterStore store = new ParameterStore(manager, false);
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            for (int step = 2; step <= 8; step++) {
                PairBatch batch = batch(step, 8);
                method.loss(store, view1(manager, batch), view2(manager, batch));
            }
        }
        OptionalDouble alignment = method.predictorAlignment();
        assertTrue(
                alignment.isPresent() && alignment.getAsDouble() >= 0 && alignment.getAsDouble() <= 1,
                "with 64 rows of width 32 the predictor alignment is a fraction: " + alignment);
    }
}
