package io.twinview.model.onnx;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import ai.onnx.proto.OnnxMl;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Writes an initialised encoder as an ONNX model (https://onnx.ai/onnx/repo-docs/IR.html) that
 * ONNX Runtime and other standard runtimes load: opset 17, standard operators only (Conv,
 * BatchNormalization, Relu, MaxPool, Add, GlobalAveragePool, Flatten, Gemm, ...; see
 * {@link BlockWalker}), every weight an initializer.
 *
 * <ul>
 *   <li>input {@value #INPUT}: float32 (N, 3, S, S), RGB, NCHW, normalised per channel as
 *       {@code (pixel / 255 - mean) / std} - what {@code ImageTensors.normalized} feeds the
 *       encoder in training and evaluation;</li>
 *   <li>output {@value #OUTPUT}: float32 (N, D), what the encoder's inference forward returns
 *       (batch norm on its running statistics);</li>
 *   <li>N is the symbolic dimension {@value #BATCH}; S is fixed to the export's image size.</li>
 * </ul>
 *
 * The model's {@code metadata_props} describe the preprocessing so a consumer needs nothing else:
 * {@code encoder}, {@code feature_dim}, {@code image_size}, {@code layout} (NCHW),
 * {@code channel_order} (RGB), {@code value_range} (0..1: pixel / 255 before normalisation),
 * {@code mean} and {@code std} (comma-separated, R, G, B), {@code normalization} (the formula).
 *
 * <pre>{@code
 * try (NDManager manager = NDManager.newBaseManager();
 *         OutputStream out = Files.newOutputStream(path)) {
 *     Block encoder = Encoders.create(kind, seed, imageSize, manager);
 *     BlockParameters.load(encoder, checkpointEncoderBytes, manager);
 *     OnnxExport.write(encoder, kind.key(), imageSize, mean, std, out); // mean, std: ImageTensors' statistics
 * }
 * }</pre>
 *
 * Export runs each lambda function of the encoder once on a probe tensor (see {@link Functions});
 * it takes about as long as one inference forward of a single image, plus writing the weights.
 */
public final class OnnxExport {

    public static final String INPUT = "images";
    public static final String OUTPUT = "features";
    public static final String BATCH = "N";
    public static final int OPSET = 17;
    /** The IR version that goes with opset 17 (ONNX 1.12). */
    public static final int IR_VERSION = 8;
    /** Rows in the probe tensors that recognise lambda functions (see {@link Functions}). */
    private static final int PROBE_BATCH = 1;

    private OnnxExport() {}

    /**
     * Writes {@code encoder} as an ONNX model to {@code out} (which stays open).
     *
     * @param encoder an initialised encoder mapping (N, 3, S, S) to (N, D), e.g. from
     *     {@code Encoders.create} with the checkpoint's parameters loaded
     * @param encoderKey the encoder's key ({@code EncoderKind.key()}), recorded in the metadata
     * @param imageSize S, the side of the square images the encoder was trained on
     * @param mean per-channel mean (R, G, B) subtracted from pixel / 255
     * @param std per-channel standard deviation (R, G, B) divided by after the mean
     * @throws IllegalArgumentException naming the field and value when an argument is out of range,
     *     or naming the block type and its path when a block has no ONNX translation
     */
    public static void write(
            Block encoder, String encoderKey, int imageSize, float[] mean, float[] std, OutputStream out)
            throws IOException {
        toModel(encoder, encoderKey, imageSize, mean, std).writeTo(out);
    }

    /** The model {@link #write} writes, for callers that keep it in memory. */
    public static OnnxMl.ModelProto toModel(
            Block encoder, String encoderKey, int imageSize, float[] mean, float[] std) {
        if (encoderKey == null || encoderKey.isBlank()) {
            throw new IllegalArgumentException("encoderKey must be a non-blank encoder key, was '" + encoderKey + "'");
        }
        if (imageSize < 1) {
            throw new IllegalArgumentException("imageSize must be at least 1 pixel, was " + imageSize);
        }
        checkChannels("mean", mean, false);
        checkChannels("std", std, true);
        if (!encoder.isInitialized()) {
            throw new IllegalArgumentException(
                    "encoder '" + encoderKey + "' is not initialised; export takes an encoder with its weights"
                            + " (Encoders.create, then the checkpoint's parameters)");
        }
        Shape inputShape = new Shape(PROBE_BATCH, 3, imageSize, imageSize);
        OnnxGraph graph = new OnnxGraph(INPUT, OUTPUT);
        OnnxGraph.Value input = new OnnxGraph.Value(INPUT, inputShape);
        OnnxGraph.Value output;
        try (NDManager probes = parameterManager(encoder).newSubManager()) {
            output = new BlockWalker(graph, probes).walk(encoder, encoderKey, input);
        }
        if (output.shape().dimension() != 2) {
            throw new IllegalArgumentException("encoder '" + encoderKey + "' maps " + inputShape + " to "
                    + output.shape() + "; export expects features of shape (N, D)");
        }
        long featureDim = output.shape().get(1);
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("encoder", encoderKey);
        metadata.put("feature_dim", Long.toString(featureDim));
        metadata.put("image_size", Integer.toString(imageSize));
        metadata.put("layout", "NCHW");
        metadata.put("channel_order", "RGB");
        metadata.put("value_range", "0..1 (pixel / 255) before normalization");
        metadata.put("mean", joined(mean));
        metadata.put("std", joined(std));
        metadata.put("normalization", "(pixel / 255 - mean[c]) / std[c] per channel c");
        OnnxMl.ModelProto.Builder model = OnnxMl.ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(
                        OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setProducerName("twinview")
                .setDocString("twinview encoder '" + encoderKey + "': " + INPUT + " (N, 3, " + imageSize + ", "
                        + imageSize + ") normalised RGB -> " + OUTPUT + " (N, " + featureDim + ")")
                .setGraph(graph.build("twinview_" + encoderKey, input, output, OUTPUT, BATCH));
        metadata.forEach((key, value) -> model.addMetadataProps(
                OnnxMl.StringStringEntryProto.newBuilder().setKey(key).setValue(value)));
        return model.build();
    }

    private static NDManager parameterManager(Block encoder) {
        for (Pair<String, Parameter> parameter : encoder.getParameters()) {
            if (parameter.getValue().isInitialized()) {
                return parameter.getValue().getArray().getManager();
            }
        }
        throw new IllegalArgumentException("the encoder has no initialised parameter to export");
    }

    private static void checkChannels(String field, float[] values, boolean positive) {
        if (values == null || values.length != 3) {
            throw new IllegalArgumentException(field + " must hold 3 values (R, G, B), was "
                    + (values == null ? "null" : Arrays.toString(values)));
        }
        for (float v : values) {
            if (!Float.isFinite(v) || (positive && v <= 0)) {
                throw new IllegalArgumentException(field + " must hold " + (positive ? "positive" : "finite")
                        + " values, was " + Arrays.toString(values));
            }
        }
    }

    private static String joined(float[] values) {
        return IntStream.range(0, values.length)
                .mapToObj(i -> String.format(Locale.ROOT, "%s", values[i]))
                .collect(Collectors.joining(","));
    }
}
