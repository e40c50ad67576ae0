package io.twinview.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.stack.LocalStack;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What each service is started with; the whole pipeline runs in PipelineEndToEndTest. */
class PipelineTest {

    @Test
    void everyServiceGetsTheSameKafkaAndObjectStorage() {
        Map<String, String> stack = Map.of(
                LocalStack.KAFKA_BOOTSTRAP_SERVERS, "127.0.0.1:19092",
                LocalStack.STORAGE_ENDPOINT, "http://127.0.0.1:19000",
                LocalStack.STORAGE_ACCESS_KEY, "local-access",
                LocalStack.STORAGE_SECRET_KEY, "local-secret");
        Pipeline.Options options =
                new Pipeline.Options(Path.of("."), Path.of("work"), Pipeline.PortPlan.free(), 0, 1, 2, false);

        Map<String, Map<String, String>> services =
                Pipeline.serviceProperties(stack, options, 9101, 8101, 9102, 8102, 8103);

        assertEquals(List.of("trainer-service", "eval-service", "augment-service"), List.copyOf(services.keySet()));
        for (Map.Entry<String, Map<String, String>> service : services.entrySet()) {
            for (Map.Entry<String, String> setting : stack.entrySet()) {
                assertEquals(
                        setting.getValue(),
                        service.getValue().get(setting.getKey()),
                        service.getKey() + " gets the stack's " + setting.getKey()
                                + " (augment workers read s3:// datasets with the storage settings)");
            }
            assertEquals(
                    Pipeline.BUCKET,
                    service.getValue().get("twinview.storage.bucket"),
                    service.getKey() + " gets the bucket");
            Path home = Path.of(".").toAbsolutePath().normalize();
            assertEquals(
                    home + "," + home.resolve("../shared/datasets").normalize() + ",s3://twinview",
                    service.getValue().get("twinview.datasets.roots"),
                    service.getKey() + " may read the project's data folders and the embedded bucket");
        }
        assertEquals(
                "2", services.get("augment-service").get("twinview.augment.threads"), "augment threads pass through");
    }

    @Test
    void datasetRootsFromTheEnvironmentReplaceTheEmbeddedDefault() {
        assertEquals("/data,s3://b/datasets", Pipeline.datasetRoots(Path.of("."), " /data,s3://b/datasets "));
        assertTrue(Pipeline.datasetRoots(Path.of("/work/main"), "").startsWith("/work/main,/work/shared/datasets,"));
    }
}
