package io.twinview.core.data;

/**
 * How large a dataset a URI may name, so that opening one cannot exhaust a service's memory: every
 * size a caller controls through the URI is checked against these before anything is allocated for
 * it, and the error names the parameter, its value, the allowed range and the setting that raises it.
 * Services take them from {@code twinview.datasets.*} ({@link io.twinview.core.config.DatasetsConfig});
 * {@link #DEFAULTS} elsewhere.
 *
 * @param maxImages    most images of one dataset: {@code synthetic:?n=}, the images an image folder
 *                     lists, the samples of a set of WebDataset shards, the records of CIFAR/STL files
 *                     (an image folder keeps a path per image; a run's task plan an index per image)
 * @param maxImageSize largest {@code ?size=} of the formats that resize ({@code synthetic},
 *                     {@code imagefolder}, {@code webdataset}); at most {@value #MAX_IMAGE_SIZE}
 * @param maxClasses   largest {@code ?classes=} of a WebDataset (a name per class, a probe output per class)
 * @param maxShards    most shard files one WebDataset URI may name: a brace pattern's expansion (all
 *                     ranges multiplied), or the {@code .tar} files of a folder
 */
public record DatasetLimits(int maxImages, int maxImageSize, int maxClasses, int maxShards) {

    /** The formats' own ceiling of {@code ?size=}: a decoded 1024 x 1024 RGB image is 3 MiB. */
    public static final int MAX_IMAGE_SIZE = 1024;

    /** 1,000,000 images, size 1024, 10,000 classes, 10,000 shards. */
    public static final DatasetLimits DEFAULTS = new DatasetLimits(1_000_000, MAX_IMAGE_SIZE, 10_000, 10_000);

    public DatasetLimits {
        require("max-images", maxImages, 1, Integer.MAX_VALUE);
        require("max-image-size", maxImageSize, 8, MAX_IMAGE_SIZE);
        require("max-classes", maxClasses, 2, Integer.MAX_VALUE);
        require("max-shards", maxShards, 1, Integer.MAX_VALUE);
    }

    private static void require(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(
                    "twinview.datasets." + name + " = " + value + " is not valid: allowed " + min + ".." + max);
        }
    }

    /** The error for a URI parameter over its limit: the parameter, its value, the range and the setting. */
    static DatasetException exceeded(DatasetUri uri, String what, long value, long min, long max, String setting) {
        return uri.error(what + " = " + value + " is not allowed; allowed: " + min + ".." + max + " (twinview.datasets."
                + setting + ")");
    }
}
