package io.twinview.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzzing (Jazzer) of dataset URI parsing, and of opening the URIs that read no
 * files ({@code synthetic:}): either a {@link DatasetException} naming the problem, or a URI whose
 * parts put back together parse to the same parts. Seeds in
 * {@code src/test/resources/io/twinview/core/data/DatasetUriFuzzTestInputs/parse/}.
 */
class DatasetUriFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void parse(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        DatasetUri uri;
        try {
            uri = DatasetUri.parse(text);
        } catch (DatasetException refused) {
            assertTrue(refused.getMessage() != null && !refused.getMessage().isBlank(), "a refusal says why");
            return;
        }
        assertTrue(!uri.scheme().isEmpty() && !uri.scheme().contains(":"), "a scheme before the first colon");
        StringBuilder again = new StringBuilder(uri.scheme()).append(':').append(uri.path());
        String separator = "?";
        for (var param : uri.params().entrySet()) {
            again.append(separator).append(param.getKey()).append('=').append(param.getValue());
            separator = "&";
        }
        DatasetUri reparsed = DatasetUri.parse(again.toString());
        assertEquals(uri.scheme(), reparsed.scheme(), "the scheme survives a round trip");
        assertEquals(uri.path(), reparsed.path(), "the path survives a round trip");
        assertEquals(uri.params(), reparsed.params(), "the parameters survive a round trip");
        if (uri.scheme().equals("synthetic")) {
            try {
                ImageDataset dataset = Datasets.open(text);
                assertTrue(dataset.size() > 0, "an opened dataset has samples");
            } catch (DatasetException refused) {
                // a bad parameter, named
            }
        }
    }
}
