package io.twinview.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DatasetUriTest {

    @Test
    void aPathEndingInWhitespaceIsTheSameWithOrWithoutAQuery() {
        // found by DatasetUriFuzzTest ("-:\u001e?"): the whole URI was stripped, the path before '?' was not
        assertEquals(
                "/data/x", DatasetUri.parse("imagefolder:/data/x\t?size=32").path(), "stripped before a query");
        assertEquals("/data/x", DatasetUri.parse("imagefolder:/data/x\t").path(), "stripped at the end");
        assertEquals("", DatasetUri.parse("-:\u001e?").path(), "the fuzzer's input");
        assertEquals(
                Map.of("size", "32"),
                DatasetUri.parse("imagefolder:/data/x ?size=32").params());
    }
}
