package io.twinview.model;

import ai.djl.ndarray.NDManager;
import io.twinview.core.data.DatasetException;
import io.twinview.core.data.DatasetPolicy;
import io.twinview.core.storage.ObjectStore;
import io.twinview.core.storage.ObjectVersion;
import io.twinview.core.storage.StorageException;
import io.twinview.core.storage.StorageSettings;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Encoder weights a run starts from instead of the seeded random init (RunSpec {@code
 * initial_weights}): a safetensors file under {@link TorchvisionNames}, as {@code twinview export
 * --format safetensors} writes it, read from a local path or an {@code s3://BUCKET/KEY} object.
 *
 * @param uri     the place as the spec names it
 * @param sha256  hex SHA-256 of the file's bytes: what the weights are, wherever they were read from
 * @param tensors the file's tensors by torchvision key, in file order
 */
public record InitialWeights(String uri, String sha256, Map<String, Safetensors.Tensor> tensors) {

    /** The largest file read: ResNet-50's F32 weights are about 94 MB. */
    public static final long MAX_BYTES = 1L << 30;

    private static final String S3 = "s3://";

    public InitialWeights {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors)); // file order: errors name the first key
    }

    /**
     * Reads and parses the file; checks a local path and an s3:// object against {@code places}' roots
     * as a dataset would be.
     *
     * @param storage endpoint and credentials for an s3:// object (its bucket is the URI's); null for none
     * @throws IllegalArgumentException naming the value and why it cannot be used: outside the roots,
     *                                  missing, too large, unreadable or not a safetensors file
     */
    public static InitialWeights read(String uri, StorageSettings storage, DatasetPolicy places) {
        if (uri.isBlank() || uri.contains("?")) {
            throw new IllegalArgumentException("'" + uri + "' is not a file path or s3://BUCKET/KEY");
        }
        try {
            places.checkPlace(uri);
        } catch (DatasetException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        byte[] bytes = uri.startsWith(S3) ? readObject(uri, storage) : readFile(uri);
        Safetensors.Contents contents;
        try {
            contents = Safetensors.read(new ByteArrayInputStream(bytes));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("'" + uri + "' is not a safetensors file: " + e.getMessage(), e);
        }
        return new InitialWeights(uri, sha256(bytes), contents.tensors());
    }

    /**
     * Checks that the weights fit {@code kind}: every parameter present with its shape, no other key.
     *
     * @throws IllegalArgumentException naming the first key that is missing, unknown or of another shape
     */
    public void check(EncoderKind kind, int imageSize) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Encoders.create(kind, 0, imageSize, manager, this);
        }
    }

    /** How reports label the baseline these weights give: {@code initial weights URI}. */
    public String label() {
        return "initial weights " + uri;
    }

    private static byte[] readFile(String uri) {
        Path path;
        try {
            path = Path.of(uri);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("'" + uri + "' is not a valid path: " + e.getMessage(), e);
        }
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("there is no file at '" + uri + "'");
        }
        try {
            long size = Files.size(path);
            if (size > MAX_BYTES) {
                throw new IllegalArgumentException(
                        "'" + uri + "' has " + size + " bytes, over the bound of " + MAX_BYTES + " for weights");
            }
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new IllegalArgumentException("'" + uri + "' cannot be read: " + e.getMessage(), e);
        }
    }

    private static byte[] readObject(String uri, StorageSettings storage) {
        if (storage == null) {
            throw new IllegalArgumentException("'" + uri + "' needs object storage settings, and there are none");
        }
        String rest = uri.substring(S3.length());
        int slash = rest.indexOf('/');
        if (slash <= 0 || slash == rest.length() - 1) {
            throw new IllegalArgumentException("'" + uri + "' is not of the form s3://BUCKET/KEY");
        }
        String bucket = rest.substring(0, slash);
        String key = rest.substring(slash + 1);
        StorageSettings settings;
        try {
            settings = new StorageSettings(
                    storage.endpoint(), storage.accessKey(), storage.secretKey(), bucket, storage.region());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + uri + "': " + e.getMessage(), e);
        }
        try (ObjectStore store = new ObjectStore(settings)) {
            Optional<ObjectVersion> stat = store.stat(key);
            if (stat.isEmpty()) {
                throw new IllegalArgumentException("there is no object at '" + uri + "'");
            }
            if (stat.get().size() > MAX_BYTES) {
                throw new IllegalArgumentException("'" + uri + "' has "
                        + stat.get().size() + " bytes, over the bound of " + MAX_BYTES + " for weights");
            }
            return store.find(key)
                    .orElseThrow(() -> new IllegalArgumentException("there is no object at '" + uri + "'"));
        } catch (StorageException e) {
            throw new IllegalArgumentException("'" + uri + "' cannot be read: " + e.getMessage(), e);
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
