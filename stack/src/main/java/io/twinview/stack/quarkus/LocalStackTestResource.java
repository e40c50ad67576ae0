package io.twinview.stack.quarkus;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.twinview.stack.LocalStack;

/**
 * Points a {@code @QuarkusTest} at the JVM's {@link LocalStack#shared()} Kafka and S3:
 * {@code @QuarkusTestResource(LocalStackTestResource.class)} (or {@code @WithTestResource}).
 * The stack outlives every test application of the JVM; a shutdown hook stops it.
 */
public final class LocalStackTestResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return LocalStack.shared().config();
    }

    @Override
    public void stop() {
        // shared by all test classes and profiles of this JVM: stopped at JVM exit
    }
}
