package io.twinview.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file {@code ./twinview embed} writes: safetensors with {@code embeddings} and {@code labels}, a CSV beside it. */
class EmbedFileTest {

    @TempDir
    Path dir;

    @Test
    void embeddingsAndLabelsAreLittleEndianTensorsAfterAJsonHeader() throws IOException {
        Path file = dir.resolve("e.safetensors");
        EmbedCommand.writeEmbeddings(
                file, new float[][] {{1.5f, -2f, 3f}, {4f, 5f, 6.25f}}, new long[] {7, 9}, Map.of("run_id", "r"));

        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = (int) bytes.getLong(0);
        assertEquals(0, (8 + headerLength) % 8, "the data starts 8-byte aligned");
        String header = new String(bytes.array(), 8, headerLength, StandardCharsets.UTF_8).trim();
        assertEquals(
                "{\"__metadata__\":{\"run_id\":\"r\"},"
                        + "\"embeddings\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                        + "\"labels\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[24,40]}}",
                header,
                "a JSON header naming each tensor's dtype, shape and byte range, and the metadata");
        int base = 8 + headerLength;
        assertEquals(base + 40, bytes.capacity(), "exactly the two tensors' bytes follow");
        float[] row = new float[6];
        bytes.position(base);
        bytes.slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(row);
        assertArrayEquals(new float[] {1.5f, -2f, 3f, 4f, 5f, 6.25f}, row, "row-major little-endian float32");
        assertEquals(7L, bytes.getLong(base + 24), "labels as little-endian int64");
        assertEquals(9L, bytes.getLong(base + 32), "the last label");
    }

    @Test
    void anUnlabelledSetHasNoLabelsTensorAndTheIndexSitsBeside() throws IOException {
        Path file = dir.resolve("u.safetensors");
        EmbedCommand.writeEmbeddings(file, new float[][] {{1f}}, null, Map.of());
        String header = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        assertFalse(header.contains("labels"), "no labels tensor for an unlabelled set");
        assertEquals(dir.resolve("u.csv"), EmbedCommand.indexFile(file), "FILE.safetensors -> FILE.csv");
        assertEquals(dir.resolve("x.bin.csv"), EmbedCommand.indexFile(dir.resolve("x.bin")), "other names get .csv");
    }
}
