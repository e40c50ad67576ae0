package io.twinview.augment.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/**
 * Object storage ({@code twinview.storage.*}, the keys trainer-service and eval-service use): the S3
 * endpoint that datasets named {@code SCHEME:s3://BUCKET/PREFIX} are read from. Optional: a worker
 * without an endpoint augments local datasets only and skips tasks of s3:// datasets with a reason
 * naming {@code twinview.storage.endpoint}. With an endpoint, the access and secret keys are
 * required. The bucket is each dataset URI's own; the objects are mirrored once into the dataset
 * cache ({@code -Dtwinview.dataset-cache}, {@code $TWINVIEW_DATASET_CACHE} or
 * {@code ~/.cache/twinview/datasets}).
 */
@ConfigMapping(prefix = "twinview.storage")
public interface StorageConfig {

    /** {@code http(s)://host[:port]}, e.g. {@code http://127.0.0.1:9000}. Default: none (no s3:// datasets). */
    Optional<String> endpoint();

    /** Required with an endpoint. Default: none. */
    Optional<String> accessKey();

    /** Required with an endpoint. Default: none. */
    Optional<String> secretKey();

    /**
     * Accepted so that one {@code twinview.storage.*} block (as {@code ./twinview} passes every
     * service) configures workers too; unknown keys under the prefix would stop startup. Workers read
     * from the bucket each dataset URI names, not this one. Default {@code twinview}.
     */
    @WithDefault("twinview")
    String bucket();

    /** Region requests are signed for. Default {@code us-east-1} (S3Proxy, MinIO). */
    @WithDefault("us-east-1")
    String region();
}
