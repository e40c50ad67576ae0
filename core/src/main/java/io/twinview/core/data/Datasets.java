package io.twinview.core.data;

import io.twinview.core.storage.StorageSettings;
import java.nio.file.Path;
import java.util.List;

/**
 * Opens labelled image datasets named by URI, and says how a run splits one for evaluation.
 *
 * <h2>URI syntax</h2>
 * <pre>
 * cifar10:DIR                    every data_batch_*.bin in DIR, in numeric order (same as ?split=train)
 * cifar10:DIR?split=train        the same, explicitly
 * cifar10:DIR?split=test         DIR/test_batch.bin
 * cifar10:DIR?batches=1-4        data_batch_1.bin .. data_batch_4.bin
 * cifar10:DIR?batches=5          data_batch_5.bin
 * cifar10:DIR?batches=1,3        data_batch_1.bin and data_batch_3.bin (ranges and lists combine: 1-3,5)
 *
 * cifar100:DIR[?split=train|test]          DIR/train.bin (default) or DIR/test.bin; 100 fine labels
 * stl10:DIR[?split=train|test|unlabeled]   DIR/&lt;split&gt;_X.bin (+ _y.bin); default train; 96x96
 * imagefolder:DIR[?size=N]                 DIR/&lt;class&gt;/...*.jpg|jpeg|png, resized to NxN (default 96, 8..1024)
 * webdataset:PATH[?size=N&amp;classes=C]       PATH = shard.tar | DIR (every *.tar) | shards-{000..009}.tar
 *
 * synthetic:                     4096 generated 32x32 shape images, 10 classes, seed 0, split=train
 * synthetic:?n=N&amp;size=S&amp;seed=X&amp;split=train|test&amp;classes=C
 *                                n in 1..max-images (default 4096), size in 8..1024 (default 32),
 *                                seed a 64-bit integer (default 0), classes in 2..10 (default 10)
 *
 * SCHEME:s3://BUCKET/PREFIX[?...]          any of the file formats above on object storage
 * </pre>
 * <ul>
 *   <li>{@code cifar10}: the official CIFAR-10 binary layout (3073-byte records: label, then R, G, B
 *       planes of 32x32). DIR may be relative; it is resolved against the current directory and
 *       {@link ImageDataset#uri()} reports it absolute. {@code split} and {@code batches} exclude
 *       each other. Labels are 0..9; class names come from {@code DIR/batches.meta.txt} (one per
 *       line) when present, else the standard CIFAR-10 names.</li>
 *   <li>{@code cifar100}: the official CIFAR-100 binary layout
 *       (https://www.cs.toronto.edu/~kriz/cifar.html; 3074-byte records: coarse label, fine label,
 *       R, G, B planes of 32x32). Labels are the fine ones, 0..99; names from
 *       {@code fine_label_names.txt} when present, else the standard 100.</li>
 *   <li>{@code stl10}: the official {@code stl10_binary} layout (https://cs.stanford.edu/~acoates/stl10/;
 *       96x96x3 images, each channel stored column-major; labels 1..10 on disk reported as 0..9;
 *       names from {@code class_names.txt} when present). {@code split=unlabeled} (100,000
 *       images) is unlabelled: {@link ImageDataset#labelled()} is false and every label is
 *       {@link ImageDataset#UNLABELLED} (-1); it is for pre-training, never for probes.</li>
 *   <li>{@code imagefolder}: torchvision's ImageFolder layout; classes are the sorted sub-folder
 *       names. Images of any size are decoded on read: grayscale, palette and alpha become RGB
 *       (alpha dropped), the shorter side is resized to {@code size} with an antialiased bilinear
 *       filter and the centre square cropped.</li>
 *   <li>{@code webdataset}: uncompressed tar shards (https://github.com/webdataset/webdataset);
 *       a sample is the members sharing a key (path up to the first dot of the file name): one
 *       {@code .jpg|.jpeg|.png} and a {@code .cls} holding an integer label. Members are indexed at
 *       open (offsets), so reads are random access; images are decoded as for imagefolder.
 *       {@code classes} declares the class count (default: largest label + 1).</li>
 *   <li>{@code synthetic}: class = shape (disc, square, triangle, ring, cross, diamond,
 *       horizontal bar, vertical bar, star, L-shape; the first {@code classes} of them), drawn with
 *       random colours, position and scale. {@code split=test} draws from a different random
 *       stream than {@code split=train} with the same seed.</li>
 *   <li>{@code s3://BUCKET/PREFIX}: needs {@link #open(String, StorageSettings)} (endpoint and
 *       credentials; the bucket is the URI's). Every object under PREFIX/ (for a webdataset
 *       {@code .tar} or brace pattern: exactly those objects) is downloaded once into a local cache
 *       folder ({@code -Dtwinview.dataset-cache}, else {@code $TWINVIEW_DATASET_CACHE}, else
 *       {@code ~/.cache/twinview/datasets}), checked by size and ETag (MD5 for single-part
 *       uploads), and downloaded again only when the object changes; the dataset is then opened
 *       from there and reports its URI in the s3:// form. {@link #open(String)} rejects s3:// URIs
 *       naming the missing storage settings.</li>
 * </ul>
 * <h2>Roots and limits</h2>
 * The services open what their callers name through {@link #open(String, StorageSettings, DatasetPolicy)}:
 * the URI must lie within the policy's {@link DatasetRoots} (local directories, {@code s3://} prefixes;
 * never the checkpoint prefix) and its sizes within its {@link DatasetLimits} (images, {@code size},
 * {@code classes}, shards). The other entry points use {@link DatasetPolicy#OPEN}: any path,
 * default limits (1,000,000 images, size 1024, 10,000 classes, 10,000 shards).
 * <h2>Bad images</h2>
 * The encoded formats (imagefolder, webdataset) check each image on read, before decoding it:
 * an empty, truncated, wrongly signed, corrupt (PNG CRC, decoder error) or too large image
 * (header declaring more than 40 megapixels, or a file over 64 MiB) fails that one read with a
 * {@link BadImageException} whose {@link BadImageException#reason()} says which; the other images
 * stay readable.
 * <p>
 * Parameters are {@code key=value} pairs joined by {@code &}, taken literally (no percent-decoding).
 * Anything else (unknown scheme or parameter, a value out of range, a missing directory or file,
 * a file that is not a whole number of records) is a {@link DatasetException} naming the URI and
 * the problem.
 */
public final class Datasets {

    /** Every format {@link #open} knows, one line each: the one place a format is added. */
    static final List<DatasetFormat> FORMATS = List.of(
            DatasetFormat.folder(Cifar10Dataset.SCHEME, Cifar10Dataset::open, Cifar10Dataset::defaultSplits),
            DatasetFormat.folder(Cifar100Dataset.SCHEME, Cifar100Dataset::open, Cifar100Dataset::defaultSplits),
            DatasetFormat.folder(Stl10Dataset.SCHEME, Stl10Dataset::open, Stl10Dataset::defaultSplits),
            DatasetFormat.folder(
                    ImageFolderDataset.SCHEME, ImageFolderDataset::open, ImageFolderDataset::defaultSplits),
            new DatasetFormat(WebDataset.SCHEME, WebDataset::open, WebDataset::defaultSplits, WebDataset::s3Files),
            DatasetFormat.generated(SyntheticShapes.SCHEME, SyntheticShapes::open, SyntheticShapes::defaultSplits));

    /** Every scheme {@link #open} knows, in the order of {@link #FORMATS}. */
    public static final List<String> SCHEMES =
            FORMATS.stream().map(DatasetFormat::scheme).toList();

    private Datasets() {}

    /**
     * Opens the dataset a URI names (syntax in the class Javadoc). CIFAR and STL-10 files are
     * memory-mapped and their labels checked here; image folders are listed and tar shards indexed
     * here, their images decoded on each read; synthetic images are drawn on each read.
     *
     * @throws DatasetException naming the URI and exactly what is wrong
     */
    public static ImageDataset open(String uri) {
        return open(uri, null, (Path) null); // an s3:// URI fails naming the missing storage settings
    }

    /**
     * Opens a dataset that may live on object storage: a path {@code s3://bucket/prefix} is
     * mirrored into the default cache folder first (see the class Javadoc), a local path is opened
     * as by {@link #open(String)}.
     *
     * @param storage endpoint, credentials and region; its bucket is ignored (the URI names one)
     * @throws DatasetException naming the URI and what is wrong, a failed transfer included
     */
    public static ImageDataset open(String uri, StorageSettings storage) {
        return open(uri, storage, S3Sources.defaultCache());
    }

    /** {@link #open(String, StorageSettings)} with an explicit cache folder. */
    public static ImageDataset open(String uri, StorageSettings storage, Path cacheDir) {
        return open(uri, storage, cacheDir, DatasetPolicy.OPEN);
    }

    /**
     * Opens a dataset a caller of a service named: only within the policy's roots and limits
     * (see {@link DatasetRoots} and {@link DatasetLimits}), checked before anything is read.
     *
     * @throws DatasetAccessException for a URI outside the roots, naming the URI and the roots
     * @throws DatasetException       naming the URI and what is wrong, a size over its limit included
     */
    public static ImageDataset open(String uri, StorageSettings storage, DatasetPolicy policy) {
        return open(uri, storage, S3Sources.defaultCache(), policy);
    }

    /** {@link #open(String, StorageSettings, DatasetPolicy)} with an explicit cache folder. */
    public static ImageDataset open(String uri, StorageSettings storage, Path cacheDir, DatasetPolicy policy) {
        DatasetUri parsed = DatasetUri.parse(uri, policy.limits());
        DatasetFormat format = format(parsed);
        policy.roots().check(parsed);
        ImageDataset dataset = S3Sources.isS3(parsed)
                ? S3Sources.open(format, parsed, storage, cacheDir)
                : format.open().apply(parsed);
        if (dataset.size() > policy.limits().maxImages()) {
            throw DatasetLimits.exceeded(
                    parsed, "images", dataset.size(), 1, policy.limits().maxImages(), "max-images");
        }
        return dataset;
    }

    /** {@link #defaultSplits(String)} for a URI that may name an s3:// source; URIs come back in the s3:// form. */
    public static EvalSplits defaultSplits(String trainingUri, StorageSettings storage) {
        return defaultSplits(trainingUri, storage, S3Sources.defaultCache());
    }

    /** {@link #defaultSplits(String, StorageSettings)} with an explicit cache folder. */
    public static EvalSplits defaultSplits(String trainingUri, StorageSettings storage, Path cacheDir) {
        return defaultSplits(trainingUri, storage, cacheDir, DatasetPolicy.OPEN);
    }

    /**
     * {@link #defaultSplits(String, StorageSettings)} of a URI a caller of a service named: only within
     * the policy's roots and limits, checked before anything is read.
     *
     * @throws DatasetAccessException for a URI outside the roots, naming the URI and the roots
     */
    public static EvalSplits defaultSplits(String trainingUri, StorageSettings storage, DatasetPolicy policy) {
        return defaultSplits(trainingUri, storage, S3Sources.defaultCache(), policy);
    }

    /** {@link #defaultSplits(String, StorageSettings, DatasetPolicy)} with an explicit cache folder. */
    public static EvalSplits defaultSplits(
            String trainingUri, StorageSettings storage, Path cacheDir, DatasetPolicy policy) {
        DatasetUri parsed = DatasetUri.parse(trainingUri, policy.limits());
        DatasetFormat format = format(parsed);
        policy.roots().check(parsed);
        return S3Sources.isS3(parsed)
                ? S3Sources.defaultSplits(format, parsed, storage, cacheDir)
                : format.defaultSplits().apply(parsed);
    }

    /**
     * What a run pre-trains on and probes with when the user names no evaluation sets.
     * All returned URIs are canonical (absolute directory, explicit parameters).
     * <ul>
     *   <li>{@code cifar10:DIR} without split/batches: with {@code test_batch.bin}, pre-train and
     *       fit probes on {@code ?split=train}, score on {@code ?split=test}. Without it, hold out
     *       the highest-numbered data_batch present: pre-train and fit probes on the others
     *       ({@code ?batches=1-4} for data_batch_1..5), score on the held-out one
     *       ({@code ?batches=5}). With a single data_batch and no test file, the test set is
     *       {@code null}.</li>
     *   <li>{@code cifar10:DIR?split=...|batches=...}: pre-train and fit probes on exactly that
     *       selection; score on {@code ?split=test} when test_batch.bin exists, else on the
     *       highest-numbered data_batch the selection leaves out (so {@code ?batches=1-4} gets
     *       the same split as plain {@code cifar10:DIR}), else {@code null}.</li>
     *   <li>{@code cifar100:DIR[?split=...]}: pre-train and fit probes on the split (default train);
     *       score on {@code ?split=test} when test.bin exists, else {@code null}.</li>
     *   <li>{@code stl10:DIR}: pre-train on {@code ?split=unlabeled} when unlabeled_X.bin exists
     *       (the STL-10 protocol), else on train; with a split named, on that split. Probes are fitted
     *       on {@code ?split=train} (on test only when test is the split named), never on unlabeled,
     *       and scored on {@code ?split=test} when present.</li>
     *   <li>{@code imagefolder:...}, {@code webdataset:...}: no held-out split; pre-train and fit
     *       probes on the set, test set {@code null}.</li>
     *   <li>{@code SCHEME:s3://...} (with {@link #defaultSplits(String, StorageSettings)}): the rule
     *       of SCHEME on the mirrored files, URIs in the s3:// form.</li>
     *   <li>{@code synthetic:...}: pre-train and fit probes on the same parameters with
     *       {@code split=train}; score on {@code split=test} with {@code n = max(1024, n/4)}.</li>
     * </ul>
     * A {@code null} {@link EvalSplits#evalTestUri()} means there are no held-out labelled images:
     * the caller must name an evaluation test set or report no test scores. The note says which
     * rule applied, in one line.
     *
     * @throws DatasetException for a URI {@link #open} would reject for its syntax, directory or file names
     */
    public static EvalSplits defaultSplits(String trainingUri) {
        return defaultSplits(trainingUri, null, (Path) null); // an s3:// URI fails naming the missing storage settings
    }

    /** The format of the URI's scheme; an unknown scheme fails naming the known ones. */
    private static DatasetFormat format(DatasetUri uri) {
        for (DatasetFormat format : FORMATS) {
            if (format.scheme().equals(uri.scheme())) {
                return format;
            }
        }
        throw uri.error("unknown scheme '" + uri.scheme() + "'; known schemes: " + String.join(", ", SCHEMES));
    }
}
