package io.twinview.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An encoder's weights as safetensors tensors under {@link TorchvisionNames}: what {@code twinview
 * export} writes and what a run's initial weights are read from.
 */
public final class EncoderWeights {

    private EncoderWeights() {}

    /**
     * The encoder's parameters and BN running statistics as F32 tensors, each BN with an I64 {@code
     * num_batches_tracked} of 0, in torchvision's {@code state_dict} order.
     */
    public static Map<String, Safetensors.Tensor> tensors(EncoderKind kind, Block encoder) {
        TorchvisionNames names = TorchvisionNames.of(kind);
        Map<String, Safetensors.Tensor> byKey = new LinkedHashMap<>();
        for (Pair<String, Parameter> parameter : encoder.getParameters()) {
            NDArray array = parameter.getValue().getArray();
            byKey.put(
                    names.torchKey(parameter.getKey()),
                    Safetensors.Tensor.f32(array.getShape().getShape(), array.toFloatArray()));
        }
        Map<String, Safetensors.Tensor> ordered = new LinkedHashMap<>();
        for (String key : names.stateDictKeys()) {
            ordered.put(
                    key,
                    key.endsWith(TorchvisionNames.NUM_BATCHES_TRACKED)
                            ? Safetensors.Tensor.i64Scalar(0)
                            : byKey.get(key));
        }
        return ordered;
    }

    /**
     * Copies the tensors into an initialised encoder's arrays (which keep their gradients). Every
     * parameter must be there with its shape; {@code num_batches_tracked} may be absent.
     *
     * @throws IllegalArgumentException naming the first key that is missing, unknown or of another shape
     */
    public static void load(EncoderKind kind, Block encoder, Map<String, Safetensors.Tensor> tensors) {
        TorchvisionNames names = TorchvisionNames.of(kind);
        for (String key : tensors.keySet()) {
            if (!names.stateDictKeys().contains(key)) {
                throw new IllegalArgumentException("weights key " + key + " is not a parameter of encoder " + kind.key()
                        + " (torchvision names; drop fc.* and set model.fc = Identity before saving)");
            }
        }
        Map<String, Pair<String, Parameter>> byPath = new LinkedHashMap<>();
        for (Pair<String, Parameter> parameter : encoder.getParameters()) {
            byPath.put(parameter.getKey(), parameter);
        }
        for (String key : names.stateDictKeys()) {
            if (key.endsWith(TorchvisionNames.NUM_BATCHES_TRACKED)) {
                continue;
            }
            Safetensors.Tensor tensor = tensors.get(key);
            if (tensor == null) {
                throw new IllegalArgumentException("weights key " + key + " of encoder " + kind.key() + " is missing");
            }
            NDArray array = byPath.get(names.djlPath(key)).getValue().getArray();
            Shape expected = array.getShape();
            if (tensor.dtype() != Safetensors.DType.F32 || !Arrays.equals(tensor.shape(), expected.getShape())) {
                throw new IllegalArgumentException("weights key " + key + " is " + tensor.dtype() + " "
                        + Arrays.toString(tensor.shape()) + "; encoder " + kind.key() + " needs F32 "
                        + Arrays.toString(expected.getShape()));
            }
            array.set(FloatBuffer.wrap(tensor.floats()));
        }
    }
}
