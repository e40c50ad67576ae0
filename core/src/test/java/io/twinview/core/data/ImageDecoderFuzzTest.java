package io.twinview.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing (Jazzer) of the image decoder: whatever the bytes, it writes a 16x16x3
 * image or throws a {@link BadImageException}; any other exception or error (an
 * OutOfMemoryError from a header the bounds missed) is a finding. Seeds and findings live in
 * {@code src/test/resources/io/twinview/core/data/ImageDecoderFuzzTestInputs/decode/}; without
 * {@code JAZZER_FUZZ} the test runs on them alone (docs/security.md, "Fuzzing").
 */
class ImageDecoderFuzzTest {

    private static final int SIDE = 16;

    @FuzzTest(maxDuration = "10s")
    void decode(byte[] data) {
        byte[] dst = new byte[SIDE * SIDE * 3 + 1];
        dst[dst.length - 1] = 42;
        try {
            ImageDecoder.decodeInto(data, SIDE, dst, 0, "fuzz:", "input");
        } catch (BadImageException refused) {
            return; // a refusal with a reason is the decoder's answer to bad bytes
        }
        assertEquals(42, dst[dst.length - 1], "a decoded image writes exactly side x side x 3 bytes");
    }
}
