package io.twinview.core.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.twinview.core.storage.StorageSettings;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * Object storage ({@code twinview.storage.*}): the S3 endpoint every service speaks to through the
 * MinIO client, one block for all of them (as {@code ./twinview} passes it). trainer-service and
 * eval-service keep runs, checkpoints and reports there and need endpoint and keys ({@link #settings()}
 * stops their startup naming a missing key). An augment worker may run without an endpoint: it then
 * augments local datasets only and skips tasks of {@code SCHEME:s3://BUCKET/PREFIX} datasets; with one,
 * it reads from the bucket each dataset URI names and mirrors the objects once into the dataset cache
 * ({@code -Dtwinview.dataset-cache}, {@code $TWINVIEW_DATASET_CACHE} or {@code ~/.cache/twinview/datasets}).
 *
 * <p>Quarkus finds this mapping in core's jar because core is a bean archive ({@code META-INF/beans.xml}).
 */
@ConfigMapping(prefix = "twinview.storage")
public interface StorageConfig {

    /** {@code http(s)://host[:port]}, e.g. {@code http://127.0.0.1:9000}. Default: none. */
    Optional<String> endpoint();

    /** Default: none; required with an endpoint. */
    Optional<String> accessKey();

    /** Default: none; required with an endpoint. */
    Optional<String> secretKey();

    /**
     * The bucket trainer and eval keep their objects in; workers read the bucket each dataset URI
     * names instead. Default {@code twinview}.
     */
    @WithDefault("twinview")
    String bucket();

    /** Region requests are signed for. Default {@code us-east-1} (S3Proxy, MinIO). */
    @WithDefault("us-east-1")
    String region();

    /**
     * The storage of a service that keeps its data there (trainer, eval): all of the block.
     *
     * @throws NoSuchElementException naming the first of {@code twinview.storage.endpoint},
     *                                {@code .access-key} and {@code .secret-key} that is not set
     * @throws IllegalArgumentException naming the field of a value {@link StorageSettings} refuses
     */
    default StorageSettings settings() {
        return new StorageSettings(
                required("endpoint", endpoint()),
                required("access-key", accessKey()),
                required("secret-key", secretKey()),
                bucket(),
                region());
    }

    private static String required(String key, Optional<String> value) {
        return value.orElseThrow(
                () -> new NoSuchElementException("twinview.storage." + key + " is required: this service"
                        + " keeps its data in object storage; set it (environment variable TWINVIEW_STORAGE_"
                        + key.replace('-', '_').toUpperCase(Locale.ROOT) + ")"));
    }
}
