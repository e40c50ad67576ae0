package io.twinview.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {

    @TempDir
    Path dir;

    @Test
    void writesTheSafetensorsLayout() throws IOException {
        Path file = dir.resolve("e.safetensors");
        Safetensors.write(file, new float[][] {{1.5f, -2f, 3f}, {4f, 5f, 6.25f}}, new long[] {7, 9});

        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = (int) bytes.getLong(0);
        assertEquals(0, (8 + headerLength) % 8, "the data starts 8-byte aligned");
        String header = new String(bytes.array(), 8, headerLength, StandardCharsets.UTF_8).trim();
        assertEquals(
                "{\"embeddings\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,24]},"
                        + "\"labels\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[24,40]}}",
                header,
                "a JSON header naming each tensor's dtype, shape and byte range");
        int base = 8 + headerLength;
        assertEquals(base + 40, bytes.capacity(), "exactly the two tensors' bytes follow");
        assertEquals(-2f, bytes.getFloat(base + 4), "row-major little-endian float32");
        assertEquals(6.25f, bytes.getFloat(base + 20), "the last embedding value");
        assertEquals(9L, bytes.getLong(base + 32), "labels as little-endian int64");
    }

    @Test
    void anUnlabelledSetHasNoLabelsTensorAndTheIndexSitsBeside() throws IOException {
        Path file = dir.resolve("u.safetensors");
        Safetensors.write(file, new float[][] {{1f}}, null);
        String header = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        assertEquals(false, header.contains("labels"), "no labels tensor for an unlabelled set");
        assertEquals(dir.resolve("u.csv"), EmbedCommand.indexFile(file), "FILE.safetensors -> FILE.csv");
        assertEquals(dir.resolve("x.bin.csv"), EmbedCommand.indexFile(dir.resolve("x.bin")), "other names get .csv");
    }
}
