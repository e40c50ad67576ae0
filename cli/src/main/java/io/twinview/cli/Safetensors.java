package io.twinview.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a safetensors file (https://github.com/huggingface/safetensors#format): an 8-byte
 * little-endian header length, a JSON header naming each tensor's dtype, shape and byte range, then
 * the little-endian data. Written here rather than with DJL so that the CLI needs no native engine.
 */
final class Safetensors {

    private Safetensors() {}

    /**
     * @param embeddings (n, d) float32, tensor {@code embeddings}
     * @param labels     n int64 as tensor {@code labels}, or null for an unlabelled set
     */
    static void write(Path file, float[][] embeddings, long[] labels) throws IOException {
        int n = embeddings.length;
        int d = n == 0 ? 0 : embeddings[0].length;
        long embeddingBytes = 4L * n * d;
        StringBuilder header = new StringBuilder("{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[")
                .append(n)
                .append(',')
                .append(d)
                .append("],\"data_offsets\":[0,")
                .append(embeddingBytes)
                .append("]}");
        if (labels != null) {
            header.append(",\"labels\":{\"dtype\":\"I64\",\"shape\":[")
                    .append(n)
                    .append("],\"data_offsets\":[")
                    .append(embeddingBytes)
                    .append(',')
                    .append(embeddingBytes + 8L * n)
                    .append("]}");
        }
        header.append('}');
        while ((8 + header.length()) % 8 != 0) {
            header.append(' '); // the format allows trailing spaces; aligned data reads faster
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
            out.write(ByteBuffer.allocate(8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(json.length)
                    .array());
            out.write(json);
            ByteBuffer row = ByteBuffer.allocate(4 * d).order(ByteOrder.LITTLE_ENDIAN);
            for (float[] values : embeddings) {
                row.clear();
                for (float v : values) {
                    row.putFloat(v);
                }
                out.write(row.array());
            }
            if (labels != null) {
                ByteBuffer label = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                for (long l : labels) {
                    label.clear();
                    out.write(label.putLong(l).array());
                }
            }
        }
    }
}
