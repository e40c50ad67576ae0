package io.twinview.core.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StorageSettingsTest {

    @Test
    void acceptsAnHttpEndpointAndAnS3BucketName() {
        StorageSettings settings = StorageSettings.of("http://127.0.0.1:9000", "key", "secret", "twinview-runs");

        assertEquals(StorageSettings.DEFAULT_REGION, settings.region());
        assertEquals("twinview-runs", settings.bucket());
    }

    @Test
    void rejectsBlankFieldsNamingTheField() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> StorageSettings.of("http://127.0.0.1:9000", " ", "secret", "bucket"));

        assertTrue(e.getMessage().startsWith("accessKey"), e.getMessage());
    }

    @Test
    void rejectsEndpointsThatAreNotPlainHttpUrls() {
        for (String endpoint : new String[] {"127.0.0.1:9000", "ftp://host", "http://host:9000/bucket", "not a url"}) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> StorageSettings.of(endpoint, "key", "secret", "bucket"),
                    endpoint);
            assertTrue(e.getMessage().contains(endpoint), "the message names the value: " + e.getMessage());
        }
    }

    @Test
    void rejectsBucketNamesS3DoesNotAllow() {
        for (String bucket : new String[] {"ab", "Upper", "under_score", "-dash", "a..b"}) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class,
                    () -> StorageSettings.of("http://h:1", "key", "secret", bucket),
                    bucket);
            assertTrue(e.getMessage().contains("'" + bucket + "'"), e.getMessage());
        }
    }

    @Test
    void toStringHidesTheSecretAndAllButTheStartOfTheAccessKey() {
        String text =
                StorageSettings.of("http://h:1", "key", "very-secret", "bucket").toString();

        assertFalse(text.contains("very-secret"), text);
        assertTrue(text.contains("accessKey=***"), "a short access key is not shown at all: " + text);
        String longKey = StorageSettings.of("http://h:1", "AKIAIOSFODNN7EXAMPLE", "very-secret", "bucket")
                .toString();
        assertTrue(
                longKey.contains("accessKey=AKIA***") && !longKey.contains("AKIAIOSFODNN7EXAMPLE"),
                "a long access key shows its first 4 characters, to tell which key is in use: " + longKey);
    }
}
