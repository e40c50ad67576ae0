package io.twinview.model;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format (https://huggingface.co/docs/safetensors, "Format"): an 8-byte
 * little-endian header length N, N bytes of JSON ({@code {"__metadata__": {string: string}, name:
 * {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}}}, offsets relative to the byte
 * after the header, padded with spaces to a multiple of 8), then the tensors' little-endian bytes,
 * contiguous and in header order. Written here rather than by DJL's {@code NDList.encode}, which
 * takes no metadata and names tensors by index unless every array has a name.
 */
public final class Safetensors {

    /** The dtypes we write and read: F32 parameters and the I64 {@code num_batches_tracked}. */
    public enum DType {
        F32(4),
        I64(8);

        final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }
    }

    /** One tensor: dtype, shape ({@code []} for a scalar) and its little-endian bytes. */
    public record Tensor(DType dtype, long[] shape, byte[] data) {
        public Tensor {
            long elements = Arrays.stream(shape).reduce(1, Math::multiplyExact);
            if (elements * dtype.bytes != data.length) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " of " + dtype + " needs "
                        + elements * dtype.bytes + " bytes, not " + data.length);
            }
        }

        public static Tensor f32(long[] shape, float[] values) {
            ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asFloatBuffer().put(values);
            return new Tensor(DType.F32, shape, bytes.array());
        }

        public static Tensor i64(long[] shape, long[] values) {
            ByteBuffer bytes = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asLongBuffer().put(values);
            return new Tensor(DType.I64, shape, bytes.array());
        }

        public static Tensor i64Scalar(long value) {
            ByteBuffer bytes =
                    ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value);
            return new Tensor(DType.I64, new long[0], bytes.array());
        }

        public float[] floats() {
            if (dtype != DType.F32) {
                throw new IllegalStateException("a " + dtype + " tensor, not F32");
            }
            float[] values = new float[data.length / 4];
            ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
            return values;
        }
    }

    /** A file's contents: metadata and tensors, in file order. */
    public record Contents(Map<String, String> metadata, Map<String, Tensor> tensors) {}

    private static final String METADATA = "__metadata__";
    private static final int MAX_HEADER_BYTES = 100 * 1024 * 1024;

    private Safetensors() {}

    public static void write(OutputStream out, Map<String, String> metadata, Map<String, Tensor> tensors)
            throws IOException {
        JsonObject header = new JsonObject();
        JsonObject meta = new JsonObject();
        metadata.forEach(meta::addProperty);
        header.add(METADATA, meta);
        long offset = 0;
        for (Map.Entry<String, Tensor> entry : tensors.entrySet()) {
            Tensor tensor = entry.getValue();
            JsonObject info = new JsonObject();
            info.addProperty("dtype", tensor.dtype().name());
            info.add("shape", new Gson().toJsonTree(tensor.shape()));
            info.add("data_offsets", new Gson().toJsonTree(new long[] {offset, offset + tensor.data().length}));
            header.add(entry.getKey(), info);
            offset += tensor.data().length;
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = Arrays.copyOf(json, padded);
        Arrays.fill(headerBytes, json.length, padded, (byte) ' ');
        out.write(ByteBuffer.allocate(8)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(padded)
                .array());
        out.write(headerBytes);
        for (Tensor tensor : tensors.values()) {
            out.write(tensor.data());
        }
    }

    /**
     * @throws IllegalArgumentException when the bytes are not a safetensors file of F32/I64 tensors
     */
    public static Contents read(InputStream in) throws IOException {
        byte[] length = in.readNBytes(8);
        if (length.length < 8) {
            throw new IllegalArgumentException("not a safetensors file: shorter than its 8-byte header length");
        }
        long headerLength =
                ByteBuffer.wrap(length).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (headerLength <= 0 || headerLength > MAX_HEADER_BYTES) {
            throw new IllegalArgumentException(
                    "not a safetensors file: header length " + headerLength + " is not in 1.." + MAX_HEADER_BYTES);
        }
        JsonObject header;
        try {
            header = JsonParser.parseString(new String(in.readNBytes((int) headerLength), StandardCharsets.UTF_8))
                    .getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new IllegalArgumentException("not a safetensors file: the header is not a JSON object", e);
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        if (header.has(METADATA)) {
            header.getAsJsonObject(METADATA)
                    .entrySet()
                    .forEach(e -> metadata.put(e.getKey(), e.getValue().getAsString()));
        }
        record Entry(String name, DType dtype, long[] shape, long begin, long end) {}
        List<Entry> entries = header.entrySet().stream()
                .filter(e -> !e.getKey().equals(METADATA))
                .map(e -> {
                    JsonObject info = e.getValue().getAsJsonObject();
                    DType dtype;
                    try {
                        dtype = DType.valueOf(info.get("dtype").getAsString());
                    } catch (IllegalArgumentException ex) {
                        throw new IllegalArgumentException("tensor " + e.getKey() + ": dtype " + info.get("dtype")
                                + " is not supported; allowed: F32, I64");
                    }
                    long[] shape = new long[info.getAsJsonArray("shape").size()];
                    int i = 0;
                    for (JsonElement dim : info.getAsJsonArray("shape")) {
                        shape[i++] = dim.getAsLong();
                    }
                    return new Entry(
                            e.getKey(),
                            dtype,
                            shape,
                            info.getAsJsonArray("data_offsets").get(0).getAsLong(),
                            info.getAsJsonArray("data_offsets").get(1).getAsLong());
                })
                .sorted((a, b) -> Long.compare(a.begin(), b.begin()))
                .toList();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        long position = 0;
        for (Entry entry : entries) {
            if (entry.begin() != position || entry.end() < entry.begin()) {
                throw new IllegalArgumentException("tensor " + entry.name() + ": data_offsets [" + entry.begin() + ", "
                        + entry.end() + "] do not follow the previous tensor's end " + position);
            }
            byte[] data = in.readNBytes(Math.toIntExact(entry.end() - entry.begin()));
            if (data.length != entry.end() - entry.begin()) {
                throw new IllegalArgumentException("tensor " + entry.name() + ": the file ends inside its data");
            }
            tensors.put(entry.name(), new Tensor(entry.dtype(), entry.shape(), data));
            position = entry.end();
        }
        return new Contents(metadata, tensors);
    }
}
