package io.twinview.stack.quarkus;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.twinview.stack.LocalStack;
import java.util.Map;

/**
 * Points a {@code @QuarkusTest} at the JVM's {@link LocalStack#shared()} Kafka and S3 by
 * returning {@link LocalStack#config()} as config overrides:
 * {@code @QuarkusTestResource(LocalStackTestResource.class)} on one test class applies it to all
 * of the module's tests; {@code @WithTestResource(LocalStackTestResource.class)} to the annotated
 * class only. Test applications with different profiles (different class loaders) get the same
 * stack. It outlives every test application of the JVM; a shutdown hook stops it.
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
