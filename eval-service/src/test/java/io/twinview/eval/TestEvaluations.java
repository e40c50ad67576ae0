package io.twinview.eval;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.twinview.core.config.DatasetsConfig;
import io.twinview.core.config.KafkaConfig;
import io.twinview.core.config.RetryConfig;
import io.twinview.core.config.StorageConfig;
import io.twinview.eval.config.EvalConfig;
import io.twinview.eval.service.EvaluationService;
import io.twinview.stack.LocalStack;
import java.time.Duration;
import java.util.Map;

/** The eval-service's settings and an evaluation service outside CDI, on a stack a test holds. */
public final class TestEvaluations {

    private TestEvaluations() {}

    /** Every setting the eval-service reads, with the stack's endpoints and keys and the defaults for the rest. */
    public static SmallRyeConfig config(LocalStack stack) {
        return config(stack, Map.of());
    }

    /** {@link #config(LocalStack)} with {@code overrides} over the stack's settings (e.g. twinview.datasets.roots). */
    public static SmallRyeConfig config(LocalStack stack, Map<String, String> overrides) {
        return new SmallRyeConfigBuilder()
                .withConverter(Duration.class, 100, new DurationConverter()) // as Quarkus reads "10m"
                .withSources(new PropertiesConfigSource(stack.config(), "stack", 400))
                .withSources(new PropertiesConfigSource(overrides, "test", 500))
                .withMapping(EvalConfig.class)
                .withMapping(StorageConfig.class)
                .withMapping(DatasetsConfig.class)
                .withMapping(RetryConfig.class)
                .withMapping(KafkaConfig.class)
                .build();
    }

    /** An evaluation service on {@code config}: {@link EvaluationService#shutdown()} stops it. */
    public static EvaluationService service(SmallRyeConfig config) {
        return EvaluationService.create(
                config.getConfigMapping(EvalConfig.class),
                config.getConfigMapping(StorageConfig.class),
                config.getConfigMapping(DatasetsConfig.class),
                config.getConfigMapping(RetryConfig.class),
                new SimpleMeterRegistry());
    }
}
