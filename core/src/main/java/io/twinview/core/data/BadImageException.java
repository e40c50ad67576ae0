package io.twinview.core.data;

import java.util.Objects;

/**
 * One stored image of a dataset is unusable; the rest of the dataset is not affected. Thrown by
 * {@link ImageDataset#readImage} so that a worker can count the sample, send it to a dead-letter
 * topic and go on. The message names the dataset URI, the sample and the problem;
 * {@link #reason()} is the machine-readable kind and {@link #sample()} the key or path.
 */
public class BadImageException extends DatasetException {

    /** What is wrong with the stored image. */
    public enum Reason {
        /** Zero bytes. */
        EMPTY,
        /** The encoded data ends early (a cut-off download or copy). */
        TRUNCATED,
        /** Does not start with the signature of a supported format (JPEG, PNG). */
        WRONG_MAGIC,
        /** Signature right but the content does not decode: a checksum mismatch, a broken header or stream. */
        CORRUPT,
        /** Declares more pixels than the decoder is allowed to allocate (a decompression bomb), or the file is too big. */
        TOO_LARGE,
        /** Decodes, but in a colour model that cannot be converted to RGB. */
        UNSUPPORTED,
        /** The file or tar member could not be read (I/O error, deleted since the dataset was opened). */
        UNREADABLE,
        /** The sample's label is outside the dataset's class range (a WebDataset {@code .cls} of 1000000000). */
        BAD_LABEL
    }

    private final Reason reason;
    private final String sample;

    public BadImageException(String datasetUri, String sample, Reason reason, String detail, Throwable cause) {
        super("dataset '" + datasetUri + "', sample " + sample + ": " + reason + ": " + detail, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.sample = sample;
    }

    public Reason reason() {
        return reason;
    }

    /** The sample's file path (imagefolder) or {@code shard.tar:key} (webdataset). */
    public String sample() {
        return sample;
    }
}
