package io.twinview.eval.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.twinview.core.storage.StorageSettings;

/** Object storage ({@code twinview.storage.*}): an S3 endpoint spoken to through the MinIO client. */
@ConfigMapping(prefix = "twinview.storage")
public interface StorageConfig {

    /** e.g. http://127.0.0.1:9000 */
    String endpoint();

    String accessKey();

    String secretKey();

    /** Default {@code twinview}. */
    @WithDefault("twinview")
    String bucket();

    /** Default {@code us-east-1}. */
    @WithDefault("us-east-1")
    String region();

    default StorageSettings settings() {
        return new StorageSettings(endpoint(), accessKey(), secretKey(), bucket(), region());
    }
}
