package io.twinview.model.onnx;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.convolutional.Conv3d;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Walks an initialised DJL block tree and writes each block as ONNX nodes: a generic translation
 * by block type, so any encoder assembled from these types exports without new code.
 *
 * <table>
 *   <caption>DJL block to ONNX (opset 17)</caption>
 *   <tr><td>SequentialBlock</td><td>its children, chained</td></tr>
 *   <tr><td>ParallelBlock</td><td>each branch on the same input, then the join: Add, Add + Relu or
 *       Concat (axis 1), recognised by {@link Functions}</td></tr>
 *   <tr><td>Conv1d / Conv2d / Conv3d</td><td>Conv (kernel, strides, pads, dilations, group; bias
 *       when the block has one)</td></tr>
 *   <tr><td>BatchNorm</td><td>BatchNormalization with the running statistics (inference mode)</td></tr>
 *   <tr><td>Linear</td><td>Gemm (transB = 1) on (N, in)</td></tr>
 *   <tr><td>LambdaBlock</td><td>Relu, Sigmoid, Tanh, Flatten, GlobalAveragePool, GlobalMaxPool,
 *       MaxPool, AveragePool or nothing (identity), recognised by {@link Functions}</td></tr>
 * </table>
 *
 * Any other block type fails with an error naming the type and its path in the tree.
 */
final class BlockWalker {

    private final OnnxGraph graph;
    /** Probe tensors live here; closed by the caller after the walk. */
    private final NDManager probes;
    /**
     * Probe values come from here, not from the engine's generator, so that an export leaves the
     * engine's random state (and a training run's determinism) untouched.
     */
    private final Random random = new Random(0x6f6e6e78L);

    BlockWalker(OnnxGraph graph, NDManager probes) {
        this.graph = graph;
        this.probes = probes;
    }

    /** Writes {@code block} applied to {@code input}; returns its output. */
    OnnxGraph.Value walk(Block block, String path, OnnxGraph.Value input) {
        if (block instanceof SequentialBlock sequential) {
            if (sequential.isReturnIntermediate()) {
                throw unsupported(block, path, "a SequentialBlock that returns its intermediate outputs");
            }
            OnnxGraph.Value value = input;
            for (Pair<String, Block> child : sequential.getChildren()) {
                value = walk(child.getValue(), path + "/" + child.getKey(), value);
            }
            return value;
        }
        if (block instanceof ParallelBlock parallel) {
            return parallel(parallel, path, input);
        }
        if (block instanceof LambdaBlock lambda) {
            return lambda(lambda, path, input);
        }
        if (block instanceof Conv1d || block instanceof Conv2d || block instanceof Conv3d) {
            return convolution((Convolution) block, path, input);
        }
        if (block instanceof BatchNorm batchNorm) {
            return batchNorm(batchNorm, path, input);
        }
        if (block instanceof Linear linear) {
            return linear(linear, path, input);
        }
        throw unsupported(block, path, "a block of this type");
    }

    private OnnxGraph.Value parallel(ParallelBlock parallel, String path, OnnxGraph.Value input) {
        List<OnnxGraph.Value> branchOutputs = new ArrayList<>();
        for (Pair<String, Block> child : parallel.getChildren()) {
            branchOutputs.add(walk(child.getValue(), path + "/" + child.getKey(), input));
        }
        @SuppressWarnings("unchecked")
        Function<List<NDList>, NDList> function = (Function<List<NDList>, NDList>) field(parallel, path, "function");
        try (NDManager scope = probes.newSubManager()) {
            List<NDArray> branches = new ArrayList<>(); // random tensors of the branches' output shapes
            for (OnnxGraph.Value branch : branchOutputs) {
                branches.add(probe(scope, branch.shape()));
            }
            NDArray expected =
                    single(function.apply(branches.stream().map(NDList::new).toList()), path);
            Functions.Candidate join = Functions.recognise(Functions.JOINS, "", branches, expected)
                    .orElseThrow(() -> unsupported(
                            parallel,
                            path,
                            "a ParallelBlock whose join function is none of "
                                    + labels(Functions.JOINS)
                                    + " on a probe input"));
            String out = join.onnx()
                    .emit(
                            graph,
                            path,
                            branchOutputs.stream().map(OnnxGraph.Value::name).toList(),
                            expected.getShape());
            return new OnnxGraph.Value(out, expected.getShape());
        }
    }

    private OnnxGraph.Value lambda(LambdaBlock lambda, String path, OnnxGraph.Value input) {
        try (NDManager scope = probes.newSubManager()) {
            NDArray x = probe(scope, input.shape());
            NDArray expected = single(lambda.forward(new ParameterStore(scope, false), new NDList(x), false), path);
            Functions.Candidate function = Functions.recognise(Functions.UNARY, lambda.getName(), List.of(x), expected)
                    .orElseThrow(() -> unsupported(
                            lambda,
                            path,
                            "a LambdaBlock named '" + lambda.getName() + "' whose function, on a probe input of shape "
                                    + input.shape() + ", is none of relu, sigmoid, tanh, identity, batchFlatten,"
                                    + " globalAvgPool2d, globalMaxPool2d, maxPool2d or avgPool2d (square kernels"
                                    + " up to 7, strides up to 4)"));
            String out = function.onnx().emit(graph, path, List.of(input.name()), expected.getShape());
            return new OnnxGraph.Value(out, expected.getShape());
        }
    }

    private OnnxGraph.Value convolution(Convolution conv, String path, OnnxGraph.Value input) {
        NDArray weight = parameter(conv, path, "weight"); // (out, in / groups, k...)
        List<String> inputs = new ArrayList<>(
                List.of(input.name(), graph.initializer(path + "/weight", weight.toFloatArray(), shape(weight))));
        if (conv.isIncludeBias()) {
            NDArray bias = parameter(conv, path, "bias"); // (out)
            inputs.add(graph.initializer(path + "/bias", bias.toFloatArray(), shape(bias)));
        }
        long[] pad = conv.getPadding().getShape();
        long[] pads = new long[2 * pad.length]; // begins of every spatial axis, then ends
        System.arraycopy(pad, 0, pads, 0, pad.length);
        System.arraycopy(pad, 0, pads, pad.length, pad.length);
        String out = graph.node(
                "Conv",
                path,
                inputs,
                OnnxGraph.ints("kernel_shape", conv.getKernelShape().getShape()),
                OnnxGraph.ints("strides", conv.getStride().getShape()),
                OnnxGraph.ints("pads", pads),
                OnnxGraph.ints("dilations", conv.getDilation().getShape()),
                OnnxGraph.integer("group", conv.getGroups()));
        return new OnnxGraph.Value(out, conv.getOutputShapes(new Shape[] {input.shape()})[0]);
    }

    private OnnxGraph.Value batchNorm(BatchNorm norm, String path, OnnxGraph.Value input) {
        int axis = (int) field(norm, path, "axis");
        if (axis != 1 && axis != 1 - input.shape().dimension()) {
            throw unsupported(norm, path, "a BatchNorm over axis " + axis + " (ONNX normalises axis 1)");
        }
        float epsilon = (float) field(norm, path, "epsilon");
        int channels = (int) input.shape().get(1);
        float[] gamma = (boolean) field(norm, path, "scale")
                ? parameter(norm, path, "gamma").toFloatArray()
                : filled(channels, 1f);
        float[] beta = (boolean) field(norm, path, "center")
                ? parameter(norm, path, "beta").toFloatArray()
                : filled(channels, 0f);
        String out = graph.node(
                "BatchNormalization",
                path,
                List.of(
                        input.name(),
                        graph.initializer(path + "/gamma", gamma, channels),
                        graph.initializer(path + "/beta", beta, channels),
                        graph.initializer(
                                path + "/runningMean",
                                parameter(norm, path, "runningMean").toFloatArray(),
                                channels),
                        graph.initializer(
                                path + "/runningVar",
                                parameter(norm, path, "runningVar").toFloatArray(),
                                channels)),
                OnnxGraph.real("epsilon", epsilon));
        return new OnnxGraph.Value(out, input.shape());
    }

    private OnnxGraph.Value linear(Linear linear, String path, OnnxGraph.Value input) {
        if (input.shape().dimension() != 2) {
            throw unsupported(linear, path, "a Linear on a tensor of shape " + input.shape() + " (Gemm takes (N, in))");
        }
        NDArray weight = parameter(linear, path, "weight"); // (units, in)
        List<String> inputs = new ArrayList<>(
                List.of(input.name(), graph.initializer(path + "/weight", weight.toFloatArray(), shape(weight))));
        Parameter bias = linear.getParameters().get("bias");
        if (bias != null && bias.isInitialized()) {
            inputs.add(graph.initializer(path + "/bias", bias.getArray().toFloatArray(), shape(bias.getArray())));
        }
        String out = graph.node("Gemm", path, inputs, OnnxGraph.integer("transB", 1));
        return new OnnxGraph.Value(
                out, new Shape(input.shape().get(0), weight.getShape().get(0)));
    }

    private static NDArray parameter(Block block, String path, String name) {
        Parameter parameter = block.getParameters().get(name);
        if (parameter == null || !parameter.isInitialized()) {
            throw new IllegalArgumentException(
                    block.getClass().getSimpleName() + " at " + path + " has no initialised '" + name
                            + "' parameter; export takes an initialised encoder (Encoders.create)");
        }
        return parameter.getArray();
    }

    /**
     * A private setting DJL offers no getter for (BatchNorm's axis, epsilon, center, scale; a
     * ParallelBlock's join function, the field {@code ParallelBlock.function}, so that the join is
     * probed on tensors of the branch outputs' shapes without running the branches): read
     * by reflection, failing with the block and field named if a DJL release renames it.
     */
    private static Object field(Block block, String path, String name) {
        try {
            for (Class<?> type = block.getClass(); type != null; type = type.getSuperclass()) {
                for (Field field : type.getDeclaredFields()) {
                    if (field.getName().equals(name)) {
                        field.setAccessible(true);
                        return field.get(block);
                    }
                }
            }
            throw new NoSuchFieldException(name);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException(
                    "cannot read " + block.getClass().getName() + "." + name + " of the block at " + path
                            + " (did a DJL release rename it?): " + e,
                    e);
        }
    }

    /** Standard normal values of the given shape: negative and positive, no two alike. */
    private NDArray probe(NDManager scope, Shape shape) {
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return scope.create(values, shape);
    }

    private static NDArray single(NDList outputs, String path) {
        if (outputs.size() != 1) {
            throw new IllegalArgumentException(
                    "the block at " + path + " returns " + outputs.size() + " tensors; export follows one tensor");
        }
        return outputs.singletonOrThrow();
    }

    private static long[] shape(NDArray array) {
        return array.getShape().getShape();
    }

    private static float[] filled(int n, float value) {
        float[] values = new float[n];
        Arrays.fill(values, value);
        return values;
    }

    private static String labels(List<Functions.Candidate> candidates) {
        return candidates.stream().map(Functions.Candidate::label).collect(Collectors.joining(", "));
    }

    static IllegalArgumentException unsupported(Block block, String path, String what) {
        return new IllegalArgumentException(
                "cannot export " + block.getClass().getName() + " at '" + path + "' to ONNX: "
                        + what + " has no ONNX translation (supported: SequentialBlock, ParallelBlock, Conv1d/2d/3d,"
                        + " BatchNorm, Linear, LambdaBlock of a known function)");
    }
}
