package io.twinview.model.onnx;

import ai.djl.ndarray.types.Shape;
import ai.onnx.proto.OnnxMl;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * An ONNX graph under construction: nodes in topological order (each node's inputs exist before
 * it is added), float32 initializers as little-endian raw data, fresh tensor names. Only
 * operators of the default domain ("ai.onnx") are written.
 */
final class OnnxGraph {

    /** A tensor of the graph and its static shape (batch included, as the probes see it). */
    record Value(String name, Shape shape) {}

    private final List<OnnxMl.NodeProto.Builder> nodes = new ArrayList<>();
    private final List<OnnxMl.TensorProto> initializers = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private int counter;

    /** @param reserved names no generated tensor or node may take (the graph's input and output) */
    OnnxGraph(String... reserved) {
        names.addAll(List.of(reserved));
    }

    /** Adds a float32 initializer of the given dims and returns its (unique) name. */
    String initializer(String name, float[] values, long... dims) {
        long count = 1;
        for (long d : dims) {
            count *= d;
        }
        if (count != values.length) {
            throw new IllegalStateException(
                    "initializer " + name + " has " + values.length + " values for dims " + new Shape(dims));
        }
        ByteBuffer raw = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        String unique = unique(name);
        OnnxMl.TensorProto.Builder tensor = OnnxMl.TensorProto.newBuilder()
                .setName(unique)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                .setRawData(UnsafeByteOperations.unsafeWrap(raw.array())); // raw is not touched again
        for (long d : dims) {
            tensor.addDims(d);
        }
        initializers.add(tensor.build());
        return unique;
    }

    /** Adds a node of the default domain and returns its one output's (fresh) name. */
    String node(String opType, String name, List<String> inputs, OnnxMl.AttributeProto... attributes) {
        String output = unique(name + "_out");
        OnnxMl.NodeProto.Builder node = OnnxMl.NodeProto.newBuilder()
                .setOpType(opType)
                .setName(unique(name))
                .addAllInput(inputs)
                .addOutput(output);
        for (OnnxMl.AttributeProto attribute : attributes) {
            node.addAttribute(attribute);
        }
        nodes.add(node);
        return output;
    }

    static OnnxMl.AttributeProto ints(String name, long... values) {
        OnnxMl.AttributeProto.Builder attribute =
                OnnxMl.AttributeProto.newBuilder().setName(name).setType(OnnxMl.AttributeProto.AttributeType.INTS);
        for (long v : values) {
            attribute.addInts(v);
        }
        return attribute.build();
    }

    static OnnxMl.AttributeProto integer(String name, long value) {
        return OnnxMl.AttributeProto.newBuilder()
                .setName(name)
                .setType(OnnxMl.AttributeProto.AttributeType.INT)
                .setI(value)
                .build();
    }

    static OnnxMl.AttributeProto real(String name, float value) {
        return OnnxMl.AttributeProto.newBuilder()
                .setName(name)
                .setType(OnnxMl.AttributeProto.AttributeType.FLOAT)
                .setF(value)
                .build();
    }

    /**
     * The graph with {@code input} as its one input and {@code output} renamed to {@code outputName};
     * the first axis of both is the symbolic {@code batchDim}.
     */
    OnnxMl.GraphProto build(String graphName, Value input, Value output, String outputName, String batchDim) {
        List<OnnxMl.NodeProto> built = new ArrayList<>();
        String last = output.name();
        if (last.equals(input.name())) { // an encoder that computes nothing: output = input
            last = node("Identity", "identity", List.of(last));
        }
        for (OnnxMl.NodeProto.Builder node : nodes) {
            for (int i = 0; i < node.getOutputCount(); i++) {
                if (node.getOutput(i).equals(last)) {
                    node.setOutput(i, outputName);
                }
            }
            for (int i = 0; i < node.getInputCount(); i++) {
                if (node.getInput(i).equals(last)) {
                    node.setInput(i, outputName);
                }
            }
            built.add(node.build());
        }
        return OnnxMl.GraphProto.newBuilder()
                .setName(graphName)
                .addAllNode(built)
                .addAllInitializer(initializers)
                .addInput(valueInfo(input.name(), input.shape(), batchDim))
                .addOutput(valueInfo(outputName, output.shape(), batchDim))
                .build();
    }

    private static OnnxMl.ValueInfoProto valueInfo(String name, Shape shape, String batchDim) {
        OnnxMl.TensorShapeProto.Builder dims = OnnxMl.TensorShapeProto.newBuilder();
        dims.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam(batchDim));
        for (int axis = 1; axis < shape.dimension(); axis++) {
            dims.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(shape.get(axis)));
        }
        return OnnxMl.ValueInfoProto.newBuilder()
                .setName(name)
                .setType(OnnxMl.TypeProto.newBuilder()
                        .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                                .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                                .setShape(dims)))
                .build();
    }

    private String unique(String name) {
        String candidate = name;
        while (!names.add(candidate)) {
            candidate = name + "_" + ++counter;
        }
        return candidate;
    }
}
