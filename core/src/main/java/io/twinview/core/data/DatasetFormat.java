package io.twinview.core.data;

import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * One dataset format as {@link Datasets} knows it: its URI scheme, how to open a URI of it, its
 * default evaluation splits, and how it is mirrored from object storage. {@link Datasets#FORMATS}
 * lists them; adding a format is its class plus one line there.
 *
 * @param scheme        the URI scheme, the part before the first colon
 * @param open          opens a parsed local URI of this scheme
 * @param defaultSplits the {@link Datasets#defaultSplits(String)} rule of this scheme, for a local URI
 * @param s3            which objects a {@code scheme:s3://BUCKET/KEY} source needs; null when the
 *                      format cannot come from object storage (generated images)
 */
record DatasetFormat(
        String scheme,
        Function<DatasetUri, ImageDataset> open,
        Function<DatasetUri, EvalSplits> defaultSplits,
        S3Objects s3) {

    DatasetFormat {
        Objects.requireNonNull(scheme, "scheme");
        Objects.requireNonNull(open, "open");
        Objects.requireNonNull(defaultSplits, "defaultSplits");
    }

    /** A format that reads a directory of files; on s3, every object under the path, mirrored as a folder. */
    static DatasetFormat folder(
            String scheme, Function<DatasetUri, ImageDataset> open, Function<DatasetUri, EvalSplits> defaultSplits) {
        return new DatasetFormat(scheme, open, defaultSplits, S3Objects.FOLDER);
    }

    /** A format whose images are generated on read: nothing to mirror, so it cannot come from s3. */
    static DatasetFormat generated(
            String scheme, Function<DatasetUri, ImageDataset> open, Function<DatasetUri, EvalSplits> defaultSplits) {
        return new DatasetFormat(scheme, open, defaultSplits, null);
    }

    /** Which objects of a bucket an s3:// source of a format needs. */
    @FunctionalInterface
    interface S3Objects {

        /** The files of a directory format: every object under the key, mirrored as a folder. */
        S3Objects FOLDER = (uri, key) -> List.of();

        /**
         * The keys to mirror one by one for {@code key} (the URI's path after the bucket, no
         * trailing slash), opened from the local copy of {@code key}; empty for the folder of
         * every object under {@code key}.
         */
        List<String> files(DatasetUri uri, String key);
    }
}
