package io.twinview.augment.kafka;

import io.twinview.core.data.DatasetException;
import io.twinview.core.data.DatasetPolicy;
import io.twinview.core.data.Datasets;
import io.twinview.core.data.ImageDataset;
import io.twinview.core.storage.StorageSettings;
import java.util.function.Function;

/**
 * How a worker opens a task's dataset URI: a local one with {@link Datasets#open(String)}, a
 * {@code SCHEME:s3://BUCKET/PREFIX} one with {@link Datasets#open(String, StorageSettings)}, which
 * mirrors the objects once into the dataset cache ({@code -Dtwinview.dataset-cache},
 * {@code $TWINVIEW_DATASET_CACHE} or {@code ~/.cache/twinview/datasets}) and opens them there.
 */
final class WorkerDatasets {

    private WorkerDatasets() {}

    /**
     * @param storage  the worker's object storage, or null: then s3:// URIs fail naming the missing setting
     * @param datasets the roots and size limits of the datasets tasks may name
     */
    static Function<String, ImageDataset> opener(StorageSettings storage, DatasetPolicy datasets) {
        return storage == null ? uri -> withoutStorage(uri, datasets) : uri -> Datasets.open(uri, storage, datasets);
    }

    private static ImageDataset withoutStorage(String uri, DatasetPolicy datasets) {
        if (onObjectStorage(uri)) {
            throw new DatasetException("dataset URI '" + uri + "' is on object storage, but this worker has no"
                    + " twinview.storage.endpoint: set twinview.storage.endpoint, twinview.storage.access-key and"
                    + " twinview.storage.secret-key (the values trainer-service and eval-service use)");
        }
        return Datasets.open(uri, null, datasets);
    }

    /** {@code SCHEME:s3://...}, as {@link Datasets} reads it (scheme up to the first colon). */
    static boolean onObjectStorage(String uri) {
        String text = uri == null ? "" : uri.strip();
        int colon = text.indexOf(':');
        return colon > 0 && text.startsWith("s3://", colon + 1);
    }
}
