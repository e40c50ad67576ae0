package io.twinview.trainer.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.twinview.core.monitor.CollapseMonitor;
import io.twinview.model.BlockParameters;
import io.twinview.model.EncoderKind;
import io.twinview.model.Encoders;
import io.twinview.model.ImageTensors;
import io.twinview.model.InitialWeights;
import io.twinview.proto.v1.HeadBlock;
import io.twinview.proto.v1.HeadsState;
import io.twinview.trainer.method.MethodContext;
import io.twinview.trainer.method.Methods;
import io.twinview.trainer.method.SslMethod;
import io.twinview.trainer.optim.Optimizer;
import io.twinview.trainer.optim.OptimizerConfig;
import io.twinview.trainer.optim.Optimizers;
import io.twinview.trainer.optim.ParameterUpdates;
import io.twinview.trainer.optim.TrainableParameter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One method, its optimizer and its parameters on one device: turns batches of view pairs into
 * optimizer steps. Not thread-safe; one per process (PyTorch allows one gradient collector).
 */
public final class Learner implements Stepper, AutoCloseable {

    /**
     * @param settings the method's own settings message, resolved (a field of RunSpec's method_settings)
     * @param threads PyTorch intra-op threads to train with (RunSpec {@code threads}); 0 leaves the engine's
     * @param initialWeights the encoder's starting weights (RunSpec {@code initial_weights}), null for the
     *                       seeded init; target networks start as copies of the encoder either way
     */
    public record Config(
            String method,
            EncoderKind encoder,
            int imageSize,
            long seed,
            Message settings,
            OptimizerConfig optimizer,
            Device device,
            int threads,
            InitialWeights initialWeights) {}

    private final NDManager manager;
    private final SslMethod method;
    private final List<TrainableParameter> parameters;
    private final Optimizer optimizer;
    /** Caches parameter arrays by id: renewed when a restore swaps the arrays. */
    private ParameterStore store;

    private final Config config;

    /**
     * Builds the method's blocks and optimizer. Construct it on the thread that trains: PyTorch's
     * intra-op thread count ({@link Config#threads}) is set here, for the calling thread.
     *
     * @throws IllegalStateException when PyTorch does not run the run's number of threads
     */
    public Learner(Config config) {
        this.config = config;
        if (config.threads() > 0) {
            useThreads(config.threads());
        }
        this.manager = NDManager.newBaseManager(config.device());
        Block encoder =
                Encoders.create(config.encoder(), config.seed(), config.imageSize(), manager, config.initialWeights());
        this.method = Methods.get(config.method())
                .create(
                        new MethodContext(config.encoder(), encoder, config.imageSize(), config.seed(), manager),
                        config.settings());
        this.parameters = trainableParameters(method, config.optimizer().peakLearningRate());
        this.optimizer = Optimizers.create(config.optimizer(), manager);
        this.store = new ParameterStore(manager, false);
    }

    /**
     * Sets PyTorch's intra-op threads for this run. DJL reads {@code ai.djl.pytorch.num_threads} only
     * when the engine starts, but its {@code JniUtils.setNumThreads} calls {@code at::set_num_threads},
     * which PyTorch allows at any time (OpenMP keeps it per calling thread: hence on the training
     * thread). Float sums split across another number of threads add in another order, so a run that
     * cannot get its number must not train: the weights would differ from its spec's.
     */
    /** The intra-op threads PyTorch runs on the calling thread now (the engine's default until a run sets them). */
    public static int engineThreads() {
        Engine.getEngine("PyTorch"); // loads the natives
        return JniUtils.getNumThreads();
    }

    private static void useThreads(int threads) {
        Engine.getEngine("PyTorch"); // loads the natives
        JniUtils.setNumThreads(threads);
        int actual = JniUtils.getNumThreads();
        if (actual != threads) {
            throw new IllegalStateException("the run trains with threads = " + threads
                    + " (RunSpec threads), but PyTorch runs " + actual
                    + " intra-op threads after asking for it: its weights would not be bit-identical to"
                    + " another run of the spec; start the run with threads = " + actual);
        }
    }

    private static List<TrainableParameter> trainableParameters(SslMethod method, double peakLearningRate) {
        List<TrainableParameter> list = new ArrayList<>();
        method.trainableBlocks().forEach((role, block) -> {
            boolean fixed = method.fixedLearningRateRoles().contains(role);
            double scale = method.learningRateScales().getOrDefault(role, 1.0);
            for (Pair<String, Parameter> named : block.getParameters()) {
                if (named.getValue().requiresGradient()) {
                    TrainableParameter parameter = TrainableParameter.of(role + "/" + named.getKey(), named.getValue());
                    parameter = fixed ? parameter.withFixedLearningRate(peakLearningRate) : parameter;
                    list.add(parameter.withLearningRateScale(scale));
                }
            }
        });
        return List.copyOf(list);
    }

    public Config config() {
        return config;
    }

    public SslMethod method() {
        return method;
    }

    /** A NaN or infinite loss updates nothing: the gradients are discarded. */
    @Override
    public StepResult step(PairBatch batch, double learningRate, long step, long totalSteps) {
        try (NDManager scope = manager.newSubManager()) {
            NDArray x1 = ImageTensors.normalized(scope, batch.view1(), 0, batch.count(), batch.height(), batch.width());
            NDArray x2 = ImageTensors.normalized(scope, batch.view2(), 0, batch.count(), batch.height(), batch.width());
            float loss;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray lossArray = method.loss(store, x1, x2);
                lossArray.attach(scope);
                collector.backward(lossArray);
                loss = lossArray.getFloat();
            }
            if (!Float.isFinite(loss) || !gradientsFinite(scope)) {
                // the update would write NaN into the weights (and through an EMA into a target network)
                String cause = Float.isFinite(loss) ? nonFiniteGradients(scope) : "the loss";
                parameters.forEach(p -> ParameterUpdates.zeroGradient(p.array()));
                return StepResult.skipped(loss, cause);
            }
            optimizer.update(parameters, learningRate, scope);
            method.afterStep(step, totalSteps);
            return StepResult.finite(loss);
        }
    }

    /** Names the parameters whose gradient holds a NaN or infinity (the first few), for the run's warning. */
    private String nonFiniteGradients(NDManager scope) {
        List<String> names = new ArrayList<>();
        for (TrainableParameter p : parameters) {
            NDArray gradient = p.array().getGradient();
            gradient.attach(scope);
            if (!finite(gradient, scope)) {
                names.add(p.name());
            }
        }
        int shown = Math.min(names.size(), 4);
        return "the gradient of " + String.join(", ", names.subList(0, shown))
                + (names.size() > shown ? " and " + (names.size() - shown) + " more" : "")
                + " (" + names.size() + " of " + parameters.size() + " parameters)";
    }

    /** Whether every gradient is finite: one host read of sum_p sum |g_p|, which is NaN or inf otherwise. */
    private boolean gradientsFinite(NDManager scope) {
        NDArray total = scope.zeros(new Shape());
        for (TrainableParameter p : parameters) {
            NDArray gradient = p.array().getGradient();
            gradient.attach(scope);
            total = total.add(gradient.abs().sum());
        }
        return Float.isFinite(total.getFloat());
    }

    @Override
    public Optional<String> nonFinite() {
        try (NDManager scope = manager.newSubManager()) {
            Map<String, Block> blocks = new LinkedHashMap<>(method.trainableBlocks());
            blocks.putAll(method.targetBlocks());
            for (Map.Entry<String, Block> block : blocks.entrySet()) {
                for (Pair<String, Parameter> p : block.getValue().getParameters()) {
                    if (!finite(p.getValue().getArray(), scope)) {
                        return Optional.of(block.getKey() + "/" + p.getKey());
                    }
                }
            }
            for (NDArray array : method.state()) {
                if (array.getDataType().isFloating() && !finite(array, scope)) {
                    return Optional.of(array.getName());
                }
            }
            return Optional.empty();
        }
    }

    private static boolean finite(NDArray array, NDManager scope) {
        NDArray total = array.stopGradient(); // a view: the sum below attaches to the scope with it
        total.attach(scope);
        return Double.isFinite(
                total.abs().sum().toType(DataType.FLOAT64, false).getDouble()); // float32 or float64 state
    }

    /** How many arrays the learner's manager holds, sub-managers included: constant between steps unless something leaks. */
    public int managedArrays() {
        return manager.getManagedArrays().size();
    }

    /** Collapse monitors on the last batch's embeddings. */
    @Override
    public CollapseMonitor.Reading monitors() {
        return CollapseMonitor.read(method.lastEmbeddings(), method.lastEmbeddingDim(), method.predictorAlignment());
    }

    /** A snapshot of every parameter and optimizer buffer, as checkpoint objects. */
    @Override
    public TrainingState state() {
        return new TrainingState(
                BlockParameters.toBytes(method.encoder()),
                headsToBytes(),
                optimizer.state().encode());
    }

    /** Restores a {@link #state()} taken from a learner of the same config. */
    @Override
    public void restore(TrainingState state) {
        BlockParameters.load(method.encoder(), state.encoder(), manager);
        headsFromBytes(state.heads());
        optimizer.loadState(NDList.decode(manager, state.optimizer()));
        store = new ParameterStore(manager, false);
    }

    private Map<String, Block> headBlocks() {
        Map<String, Block> heads = new LinkedHashMap<>(method.trainableBlocks());
        heads.remove("encoder");
        heads.putAll(method.targetBlocks());
        return heads;
    }

    /**
     * The "heads" checkpoint object: a {@link HeadsState} (checkpoint.proto) with each head block's
     * parameters in DJL's own format by role, and the method state as DJL encodes an NDList. A
     * proto message rather than a hand-rolled stream: the layout is declared once, in proto/ beside
     * the manifest that names the object, any protobuf reader can take it apart, and a field added
     * later does not break the reader of an older one.
     */
    private byte[] headsToBytes() {
        HeadsState.Builder heads = HeadsState.newBuilder();
        headBlocks()
                .forEach((role, block) -> heads.addBlocks(HeadBlock.newBuilder()
                        .setRole(role)
                        .setParameters(ByteString.copyFrom(BlockParameters.toBytes(block)))));
        NDList methodState = method.state();
        if (!methodState.isEmpty()) {
            heads.setMethodState(ByteString.copyFrom(methodState.encode()));
        }
        return heads.build().toByteArray();
    }

    /** @throws IllegalArgumentException when the object is not a HeadsState, or is one of another method's heads */
    private void headsFromBytes(byte[] data) {
        HeadsState stored;
        try {
            stored = HeadsState.parseFrom(data);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(
                    "the checkpoint's heads object is not a HeadsState: " + e.getMessage(), e);
        }
        Map<String, Block> heads = headBlocks();
        if (stored.getBlocksCount() != heads.size()) {
            throw new IllegalArgumentException("checkpoint holds " + stored.getBlocksCount()
                    + " head blocks, this method has " + heads.size() + " " + heads.keySet());
        }
        for (HeadBlock block : stored.getBlocksList()) {
            Block target = heads.get(block.getRole());
            if (target == null) {
                throw new IllegalArgumentException(
                        "checkpoint holds head '" + block.getRole() + "', this method has " + heads.keySet());
            }
            BlockParameters.load(target, block.getParameters().toByteArray(), manager);
        }
        ByteString state = stored.getMethodState();
        method.loadState(state.isEmpty() ? new NDList() : NDList.decode(manager, state.toByteArray()));
    }

    @Override
    public void close() {
        manager.close();
    }
}
