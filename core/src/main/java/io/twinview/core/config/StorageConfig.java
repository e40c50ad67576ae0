package io.twinview.core.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.twinview.core.storage.StorageSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
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
 * <h2>Credentials</h2>
 * There are no default credentials. Give each key either as its value, from the environment
 * ({@code TWINVIEW_STORAGE_ACCESS_KEY}, {@code TWINVIEW_STORAGE_SECRET_KEY}), or as a file that holds it,
 * such as a Kubernetes Secret mounted as a volume ({@code twinview.storage.access-key-file},
 * {@code twinview.storage.secret-key-file}; env {@code TWINVIEW_STORAGE_ACCESS_KEY_FILE}, ...): the file's
 * content without its trailing newline is the key. Both forms of one key at once are refused. Never pass
 * them as {@code -D} flags, which every user of the machine sees in {@code ps}; {@code ./twinview} passes
 * them to its services in their environment ({@code io.twinview.stack.JavaProcess}).
 *
 * <p>Quarkus finds this mapping in core's jar because core is a bean archive ({@code META-INF/beans.xml}).
 */
@ConfigMapping(prefix = "twinview.storage")
public interface StorageConfig {

    /** {@code http(s)://host[:port]}, e.g. {@code http://127.0.0.1:9000}. Default: none. */
    Optional<String> endpoint();

    /** Default: none; this or {@link #accessKeyFile()} is required with an endpoint. */
    Optional<String> accessKey();

    /** Default: none; this or {@link #secretKeyFile()} is required with an endpoint. */
    Optional<String> secretKey();

    /** A file holding the access key (a mounted Secret), instead of {@link #accessKey()}. Default: none. */
    Optional<String> accessKeyFile();

    /** A file holding the secret key (a mounted Secret), instead of {@link #secretKey()}. Default: none. */
    Optional<String> secretKeyFile();

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
     * @throws IllegalArgumentException naming the field of a value {@link StorageSettings} refuses, or a
     *                                  key file that cannot be read or is given beside the key
     */
    default StorageSettings settings() {
        return new StorageSettings(
                required("endpoint", endpoint()),
                required("access-key", accessKeyValue()),
                required("secret-key", secretKeyValue()),
                bucket(),
                region());
    }

    /**
     * {@link #accessKey()}, or the content of {@link #accessKeyFile()}.
     *
     * @throws IllegalArgumentException when both are set, or the file cannot be read or is empty
     */
    default Optional<String> accessKeyValue() {
        return credential("access-key", accessKey(), accessKeyFile());
    }

    /**
     * {@link #secretKey()}, or the content of {@link #secretKeyFile()}.
     *
     * @throws IllegalArgumentException when both are set, or the file cannot be read or is empty
     */
    default Optional<String> secretKeyValue() {
        return credential("secret-key", secretKey(), secretKeyFile());
    }

    private static Optional<String> credential(String key, Optional<String> value, Optional<String> file) {
        String name = "twinview.storage." + key;
        if (file.isEmpty()) {
            return value;
        }
        if (value.isPresent()) {
            throw new IllegalArgumentException("both " + name + " and " + name + "-file are set: give the " + key
                    + " one way (" + name + "-file=" + file.get() + " for a mounted Secret)");
        }
        String content;
        try {
            content = Files.readString(Path.of(file.get())).strip();
        } catch (IOException
                | UncheckedIOException
                | InvalidPathException e) { // the message names the file, never its content
            throw new IllegalArgumentException(
                    name + "-file=" + file.get() + " cannot be read: "
                            + e.getClass().getSimpleName(),
                    e);
        }
        if (content.isEmpty()) {
            throw new IllegalArgumentException(name + "-file=" + file.get() + " is empty: it must hold the " + key);
        }
        return Optional.of(content);
    }

    private static String required(String key, Optional<String> value) {
        String variable = "TWINVIEW_STORAGE_" + key.replace('-', '_').toUpperCase(Locale.ROOT);
        return value.orElseThrow(() -> new NoSuchElementException("twinview.storage." + key
                + " is required: this service keeps its data in object storage; set it (environment variable "
                + variable + (key.equals("endpoint") ? "" : ", or a file holding it: " + variable + "_FILE") + ")"));
    }
}
