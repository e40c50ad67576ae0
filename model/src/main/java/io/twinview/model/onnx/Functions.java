package io.twinview.model.onnx;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.pooling.Pool;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The functions DJL keeps opaque - the function of a {@link LambdaBlock} ({@code Activation::relu},
 * {@code Pool.maxPool2dBlock(...)}, {@code Blocks.batchFlattenBlock()}) and the join of a
 * {@code ParallelBlock} - and how to write each as ONNX nodes. DJL stores them as Java lambdas, so
 * neither the operator nor its settings (a pool's kernel, stride, padding) can be read back. They
 * are recognised by behaviour instead: the function runs on random probe tensors of the shapes it
 * sees in the encoder, each known function runs on the same tensors through DJL's own operators,
 * and the first whose result matches is the one written. A lambda's DJL name (maxPool2d, batchFlatten,
 * ...; {@code "lambda"} for a bare method reference) narrows the candidates when it names one.
 */
final class Functions {

    /** Writes a recognised function into the graph; returns the output tensor's name. */
    interface Emitter {
        String emit(OnnxGraph graph, String path, List<String> inputs, Shape outputShape);
    }

    /** A function DJL may hold, as DJL computes it and as ONNX nodes. */
    record Candidate(String label, List<String> djlNames, Function<List<NDArray>, NDArray> djl, Emitter onnx) {}

    private static final int MAX_POOL_KERNEL = 7;
    private static final int MAX_POOL_STRIDE = 4;

    private Functions() {}

    /** Functions of one tensor, in the order they are tried. */
    static final List<Candidate> UNARY = unary();

    /** Joins of a ParallelBlock's branch outputs (one tensor each), in the order they are tried. */
    static final List<Candidate> JOINS = joins();

    private static List<Candidate> unary() {
        List<Candidate> all = new ArrayList<>();
        all.add(new Candidate("identity", List.of("identity"), x -> x.get(0), (g, p, in, s) -> in.get(0)));
        all.add(single("relu", List.of("ReLU", "relu"), Activation::relu, "Relu"));
        all.add(single("sigmoid", List.of("sigmoid"), Activation::sigmoid, "Sigmoid"));
        all.add(single("tanh", List.of("Tanh", "tanh"), Activation::tanh, "Tanh"));
        all.add(new Candidate(
                "batchFlatten",
                List.of("batchFlatten"),
                x -> Blocks.batchFlatten(x.get(0)),
                (g, p, in, s) -> g.node("Flatten", p, in, OnnxGraph.integer("axis", 1))));
        all.add(globalPool("globalAvgPool2d", Pool::globalAvgPool2d, "GlobalAveragePool"));
        all.add(globalPool("globalMaxPool2d", Pool::globalMaxPool2d, "GlobalMaxPool"));
        for (int k = 1; k <= MAX_POOL_KERNEL; k++) {
            for (int s = 1; s <= MAX_POOL_STRIDE; s++) {
                for (int pad = 0; pad <= k / 2; pad++) {
                    for (boolean ceil : new boolean[] {false, true}) {
                        all.add(maxPool(k, s, pad, ceil));
                        all.add(avgPool(k, s, pad, ceil, true));
                        all.add(avgPool(k, s, pad, ceil, false));
                    }
                }
            }
        }
        return List.copyOf(all);
    }

    private static List<Candidate> joins() {
        return List.of(
                new Candidate("add", List.of(), Functions::sum, Functions::emitSum),
                new Candidate(
                        "add then relu",
                        List.of(),
                        x -> Activation.relu(sum(x)),
                        (g, p, in, s) -> g.node("Relu", p + "/relu", List.of(emitSum(g, p, in, s)))),
                new Candidate(
                        "concat on axis 1",
                        List.of(),
                        x -> NDArrays.concat(new NDList(x), 1),
                        (g, p, in, s) -> g.node("Concat", p + "/concat", in, OnnxGraph.integer("axis", 1))));
    }

    /**
     * The first candidate whose DJL result matches {@code expected} on {@code probes}; candidates
     * named like the block ({@code djlName}) only, when any is.
     */
    static Optional<Candidate> recognise(
            List<Candidate> candidates, String djlName, List<NDArray> probes, NDArray expected) {
        List<Candidate> named =
                candidates.stream().filter(c -> c.djlNames().contains(djlName)).toList();
        for (Candidate candidate : named.isEmpty() ? candidates : named) {
            NDArray actual;
            try {
                actual = candidate.djl().apply(probes);
            } catch (RuntimeException notApplicable) {
                continue; // e.g. a 2-D pool on a rank-2 tensor, or padding larger than half the kernel
            }
            if (matches(actual, expected)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** Same shape and equal to float32 rounding of a few operations. */
    static boolean matches(NDArray actual, NDArray expected) {
        if (!actual.getShape().equals(expected.getShape())) {
            return false;
        }
        float scale = Math.max(1f, expected.abs().max().getFloat());
        float diff = actual.sub(expected).abs().max().getFloat();
        return diff <= 1e-5f * scale;
    }

    private static Candidate single(String label, List<String> names, UnaryOperator<NDArray> djl, String op) {
        return new Candidate(label, names, x -> djl.apply(x.get(0)), (g, p, in, s) -> g.node(op, p, in));
    }

    private static Candidate globalPool(String name, UnaryOperator<NDArray> djl, String op) {
        return new Candidate(name, List.of(name), x -> djl.apply(x.get(0)), (g, p, in, s) -> {
            String pooled = g.node(op, p, in); // (N, C, 1, 1)
            return s.dimension() == 2 ? g.node("Flatten", p + "/flatten", List.of(pooled)) : pooled;
        });
    }

    private static Candidate maxPool(int k, int s, int pad, boolean ceil) {
        Shape kernel = new Shape(k, k);
        Shape stride = new Shape(s, s);
        Shape padding = new Shape(pad, pad);
        return new Candidate(
                "maxPool2d(kernel " + k + ", stride " + s + ", padding " + pad + ", ceil " + ceil + ")",
                List.of("maxPool2d"),
                x -> Pool.maxPool2d(x.get(0), kernel, stride, padding, ceil),
                (g, p, in, out) -> g.node(
                        "MaxPool",
                        p,
                        in,
                        OnnxGraph.ints("kernel_shape", k, k),
                        OnnxGraph.ints("strides", s, s),
                        OnnxGraph.ints("pads", pad, pad, pad, pad),
                        OnnxGraph.integer("ceil_mode", ceil ? 1 : 0)));
    }

    private static Candidate avgPool(int k, int s, int pad, boolean ceil, boolean countPad) {
        Shape kernel = new Shape(k, k);
        Shape stride = new Shape(s, s);
        Shape padding = new Shape(pad, pad);
        return new Candidate(
                "avgPool2d(kernel " + k + ", stride " + s + ", padding " + pad + ", ceil " + ceil + ", count padding "
                        + countPad + ")",
                List.of("avgPool2d"),
                x -> Pool.avgPool2d(x.get(0), kernel, stride, padding, ceil, countPad),
                (g, p, in, out) -> g.node(
                        "AveragePool",
                        p,
                        in,
                        OnnxGraph.ints("kernel_shape", k, k),
                        OnnxGraph.ints("strides", s, s),
                        OnnxGraph.ints("pads", pad, pad, pad, pad),
                        OnnxGraph.integer("ceil_mode", ceil ? 1 : 0),
                        OnnxGraph.integer("count_include_pad", countPad ? 1 : 0)));
    }

    private static NDArray sum(List<NDArray> xs) {
        NDArray total = xs.get(0);
        for (int i = 1; i < xs.size(); i++) {
            total = total.add(xs.get(i));
        }
        return total;
    }

    private static String emitSum(OnnxGraph g, String path, List<String> inputs, Shape outputShape) {
        String total = inputs.get(0);
        for (int i = 1; i < inputs.size(); i++) {
            total = g.node("Add", path + "/add", List.of(total, inputs.get(i)));
        }
        return total;
    }
}
