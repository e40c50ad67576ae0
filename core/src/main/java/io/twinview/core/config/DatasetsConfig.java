package io.twinview.core.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.twinview.core.data.DatasetLimits;
import io.twinview.core.data.DatasetPolicy;
import io.twinview.core.data.DatasetRoots;
import java.util.List;
import java.util.Optional;

/**
 * Which datasets callers may name, and how large ({@code twinview.datasets.*}), one block for every
 * service: trainer-service checks each RunSpec's URIs, eval-service each request's, and every augment
 * worker each AugmentTask's, against the same roots and limits ({@link DatasetRoots}, {@link DatasetLimits}).
 *
 * <p>Quarkus finds this mapping in core's jar because core is a bean archive ({@code META-INF/beans.xml}).
 */
@ConfigMapping(prefix = "twinview.datasets")
public interface DatasetsConfig {

    /**
     * Local directories and {@code s3://bucket[/prefix]} entries datasets may come from, comma
     * separated (environment variable {@code TWINVIEW_DATASETS_ROOTS}). Default: none, so only
     * {@code synthetic:} datasets open. {@code ./twinview up} and {@code demo} set it to the project's
     * data folders. The checkpoint prefix {@code runs/} of {@code twinview.storage.bucket} is refused
     * whatever this says.
     */
    Optional<List<String>> roots();

    /**
     * Most images of one dataset ({@code synthetic:?n=}, images of a folder, samples of WebDataset
     * shards, records of CIFAR/STL files). Default 1000000.
     */
    @WithDefault("1000000")
    int maxImages();

    /** Largest {@code ?size=} of synthetic, imagefolder and webdataset URIs, 8..1024. Default 1024. */
    @WithDefault("1024")
    int maxImageSize();

    /** Largest {@code ?classes=} of a WebDataset (and its largest label + 1). Default 10000. */
    @WithDefault("10000")
    int maxClasses();

    /** Most shards one WebDataset URI names (a brace pattern's expansion, a folder's .tar files). Default 10000. */
    @WithDefault("10000")
    int maxShards();

    /**
     * The policy of this block.
     *
     * @param checkpointBucket the bucket whose {@code runs/} prefix holds checkpoints ({@code twinview.storage.bucket})
     * @throws IllegalArgumentException naming a setting with an invalid value
     */
    default DatasetPolicy policy(String checkpointBucket) {
        return new DatasetPolicy(
                DatasetRoots.of(roots().orElse(List.of()), checkpointBucket),
                new DatasetLimits(maxImages(), maxImageSize(), maxClasses(), maxShards()));
    }
}
