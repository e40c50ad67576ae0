package io.twinview.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The dataset cache's size bound setting. */
class S3SourcesTest {

    private static final String PROPERTY = "twinview.dataset-cache-max-bytes";

    @AfterEach
    void clear() {
        System.clearProperty(PROPERTY);
    }

    @Test
    void theCacheBoundDefaultsTo4GibAndABadValueNamesTheSetting() {
        if (System.getenv("TWINVIEW_DATASET_CACHE_MAX_BYTES") == null) {
            assertEquals(4L << 30, S3Sources.defaultMaxBytes(), "unset: 4 GiB");
        }
        System.setProperty(PROPERTY, "1048576");
        assertEquals(1_048_576, S3Sources.defaultMaxBytes(), "the -D setting wins");
        System.setProperty(PROPERTY, "0");
        assertEquals(0, S3Sources.defaultMaxBytes(), "0 = no bound");
        for (String bad : new String[] {"-5", "4GiB"}) {
            System.setProperty(PROPERTY, bad);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, S3Sources::defaultMaxBytes);
            assertTrue(
                    e.getMessage().contains("-Dtwinview.dataset-cache-max-bytes")
                            && e.getMessage().contains(bad)
                            && e.getMessage().contains(">= 0"),
                    "names the setting, the value and what is allowed: " + e.getMessage());
        }
    }
}
