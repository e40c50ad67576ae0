package io.twinview.core.data;

import io.twinview.core.storage.LocalMirror;
import io.twinview.core.storage.ObjectStore;
import io.twinview.core.storage.StorageException;
import io.twinview.core.storage.StorageSettings;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code scheme:s3://bucket/prefix[?...]}: the objects the scheme's {@link DatasetFormat#s3()} names
 * are mirrored into a local cache folder by {@link LocalMirror} (downloaded once, checked by size and
 * ETag), then the dataset is opened from there with the same scheme and parameters, and reports its
 * URI in the s3:// form.
 */
final class S3Sources {

    static final String PREFIX = "s3://";

    private S3Sources() {}

    static boolean isS3(DatasetUri uri) {
        return uri.path().startsWith(PREFIX);
    }

    /** The default cache folder: {@code -Dtwinview.dataset-cache}, else $TWINVIEW_DATASET_CACHE, else ~/.cache/twinview/datasets. */
    static Path defaultCache() {
        String property = System.getProperty("twinview.dataset-cache");
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        String env = System.getenv("TWINVIEW_DATASET_CACHE");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "twinview", "datasets");
    }

    /** The default bound of the dataset cache, 4 GiB. */
    static final long DEFAULT_MAX_BYTES = 4L << 30;

    /**
     * The most bytes the mirrored datasets keep in the cache folder ({@link LocalMirror}: least recently
     * used whole datasets are evicted beyond it, never one in use): {@code -Dtwinview.dataset-cache-max-bytes},
     * else $TWINVIEW_DATASET_CACHE_MAX_BYTES, else 4 GiB; 0 = no bound.
     *
     * @throws IllegalArgumentException naming the setting when it is not a number of bytes
     */
    static long defaultMaxBytes() {
        String property = System.getProperty("twinview.dataset-cache-max-bytes");
        String setting = "-Dtwinview.dataset-cache-max-bytes";
        if (property == null || property.isBlank()) {
            property = System.getenv("TWINVIEW_DATASET_CACHE_MAX_BYTES");
            setting = "TWINVIEW_DATASET_CACHE_MAX_BYTES";
        }
        if (property == null || property.isBlank()) {
            return DEFAULT_MAX_BYTES;
        }
        try {
            long bytes = Long.parseLong(property.trim());
            if (bytes >= 0) {
                return bytes;
            }
        } catch (NumberFormatException e) {
            // named below
        }
        throw new IllegalArgumentException(setting + " = '" + property
                + "' is not valid: a number of bytes >= 0 (0 = no bound; unset = " + DEFAULT_MAX_BYTES + ")");
    }

    /**
     * A URI whose s3:// path is mirrored locally, and the means to map local URIs back.
     *
     * @param mirrored the sync: the dataset stays in use (not evicted) while it or the opened dataset is held
     */
    record Localized(String localUri, String localPath, String s3Path, LocalMirror.Result mirrored) {

        String toS3(String uri) {
            return uri == null ? null : uri.replace(":" + localPath, ":" + s3Path);
        }
    }

    static Localized localize(DatasetFormat format, DatasetUri uri, StorageSettings storage, Path cache) {
        if (format.s3() == null) {
            throw uri.error("scheme " + format.scheme() + " cannot come from object storage");
        }
        if (storage == null) {
            throw uri.error("an s3:// source needs storage settings (endpoint and credentials):"
                    + " open it with Datasets.open(uri, StorageSettings)");
        }
        String rest = uri.path().substring(PREFIX.length());
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String key = slash < 0 ? "" : rest.substring(slash + 1);
        while (key.endsWith("/")) {
            key = key.substring(0, key.length() - 1);
        }
        StorageSettings settings;
        try {
            settings = new StorageSettings(
                    storage.endpoint(), storage.accessKey(), storage.secretKey(), bucket, storage.region());
        } catch (IllegalArgumentException e) {
            throw uri.error("'" + uri.path() + "': " + e.getMessage());
        }
        Path root = cache.toAbsolutePath().normalize().resolve(endpointFolder(storage.endpoint()));
        List<String> files = format.s3().files(uri, key);
        Path local;
        LocalMirror.Result mirrored;
        try (ObjectStore store = new ObjectStore(settings)) {
            LocalMirror mirror = new LocalMirror(store, root, defaultMaxBytes());
            if (!files.isEmpty()) {
                mirrored = mirror.syncKeys(files);
                local = mirror.localPath(key);
            } else {
                mirrored = mirror.syncPrefix(key);
                local = mirrored.local();
            }
        } catch (StorageException e) {
            throw new DatasetException("dataset URI '" + uri.text() + "': " + e.getMessage(), e);
        }
        String localPath = local.toString();
        StringBuilder text = new StringBuilder(uri.scheme()).append(':').append(localPath);
        String separator = "?";
        for (Map.Entry<String, String> p : uri.params().entrySet()) {
            text.append(separator).append(p.getKey()).append('=').append(p.getValue());
            separator = "&";
        }
        return new Localized(text.toString(), localPath, PREFIX + bucket + (key.isEmpty() ? "" : "/" + key), mirrored);
    }

    private static String endpointFolder(String endpoint) {
        URI parsed = URI.create(endpoint);
        String port = parsed.getPort() < 0 ? "" : "_" + parsed.getPort();
        return (parsed.getHost() + port).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "_");
    }

    /** The dataset opened from the local mirror, reporting the s3:// URI. */
    static ImageDataset open(DatasetFormat format, DatasetUri uri, StorageSettings storage, Path cache) {
        Localized localized = localize(format, uri, storage, cache);
        ImageDataset local = format.open().apply(DatasetUri.parse(localized.localUri(), uri.limits()));
        ImageDataset opened = new Renamed(local, localized.toS3(local.uri()));
        LocalMirror.holdWhileReachable(localized.mirrored().local(), opened); // in use while it is
        return opened;
    }

    static EvalSplits defaultSplits(DatasetFormat format, DatasetUri uri, StorageSettings storage, Path cache) {
        Localized localized = localize(format, uri, storage, cache);
        EvalSplits local = format.defaultSplits().apply(DatasetUri.parse(localized.localUri(), uri.limits()));
        return new EvalSplits(
                localized.toS3(local.pretrainUri()),
                localized.toS3(local.evalTrainUri()),
                localized.toS3(local.evalTestUri()),
                local.note() + " (mirrored from " + localized.s3Path() + ")");
    }

    /** Delegates everything but {@link #uri()}. */
    private record Renamed(ImageDataset delegate, String uri) implements ImageDataset {

        @Override
        public int size() {
            return delegate.size();
        }

        @Override
        public int height() {
            return delegate.height();
        }

        @Override
        public int width() {
            return delegate.width();
        }

        @Override
        public int channels() {
            return delegate.channels();
        }

        @Override
        public int classCount() {
            return delegate.classCount();
        }

        @Override
        public List<String> classNames() {
            return delegate.classNames();
        }

        @Override
        public boolean labelled() {
            return delegate.labelled();
        }

        @Override
        public int label(int index) {
            return delegate.label(index);
        }

        @Override
        public void readImage(int index, byte[] dst, int offset) {
            delegate.readImage(index, dst, offset);
        }
    }
}
