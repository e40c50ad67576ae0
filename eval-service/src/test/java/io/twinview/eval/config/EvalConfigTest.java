package io.twinview.eval.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The settings as Quarkus binds them ({@code twinview.eval.*} through SmallRye Config), then validated. */
class EvalConfigTest {

    @Test
    void defaultsAreValid() {
        EvalConfig defaults = bind(Map.of());
        assertDoesNotThrow(defaults::validate, "the defaults are accepted");
        assertEquals(200, defaults.knnK(), "k 200 (InstDisc)");
        assertEquals(0, defaults.threads(), "PyTorch's default threads");
        assertEquals(3, defaults.maxAttempts(), "three tries before a failed report");
        assertEquals(Duration.ofMinutes(10), defaults.retryFor(), "transient failures are retried for minutes");
        assertEquals(Duration.ofMinutes(10), defaults.backoff().giveUpAfter(), "the backoff gives up after retry-for");
    }

    @Test
    void badValuesNameTheSettingAndWhatIsAllowed() {
        IllegalArgumentException k = assertThrows(
                IllegalArgumentException.class,
                () -> bind(Map.of("twinview.eval.knn-k", "0")).validate());
        assertEquals(
                "twinview.eval.knn-k must be at least 1, was 0", k.getMessage(), "names the setting and the value");
        IllegalArgumentException threads = assertThrows(
                IllegalArgumentException.class,
                () -> bind(Map.of("twinview.eval.threads", "-2")).validate());
        assertEquals(
                "twinview.eval.threads must be 0 (PyTorch's default) or more, was -2",
                threads.getMessage(),
                "names the setting, what is allowed and the value");
        IllegalArgumentException attempts = assertThrows(
                IllegalArgumentException.class,
                () -> bind(Map.of("twinview.eval.max-attempts", "0")).validate());
        assertEquals(
                "twinview.eval.max-attempts must be at least 1 (one try, no retry), was 0",
                attempts.getMessage(),
                "names the setting, what is allowed and the value");
        IllegalArgumentException retryFor = assertThrows(
                IllegalArgumentException.class,
                () -> bind(Map.of("twinview.eval.retry-for", "-1s")).validate());
        assertEquals(
                "twinview.eval.retry-for must be 0s (no retry) or more, e.g. 10m, was PT-1S",
                retryFor.getMessage(),
                "names the setting, what is allowed and the value");
    }

    private static EvalConfig bind(Map<String, String> properties) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withConverter(Duration.class, 100, new DurationConverter()) // as Quarkus reads "10m"
                .withSources(new PropertiesConfigSource(properties, "test", 400))
                .withMapping(EvalConfig.class)
                .build();
        return config.getConfigMapping(EvalConfig.class);
    }
}
