package io.twinview.core.data;

import java.util.Objects;

/**
 * What a service lets its callers open: the places ({@link DatasetRoots}) and the sizes
 * ({@link DatasetLimits}). Services build theirs from {@code twinview.datasets.*}
 * ({@link io.twinview.core.config.DatasetsConfig#policy(String)}); {@link #OPEN} is for the command
 * line and benchmarks, which open what their own user names.
 */
public record DatasetPolicy(DatasetRoots roots, DatasetLimits limits) {

    /** Any path, default limits. */
    public static final DatasetPolicy OPEN = new DatasetPolicy(DatasetRoots.ANY, DatasetLimits.DEFAULTS);

    public DatasetPolicy {
        Objects.requireNonNull(roots, "roots");
        Objects.requireNonNull(limits, "limits");
    }

    /**
     * Checks where a URI points without opening it.
     *
     * @throws DatasetAccessException naming the URI and the allowed roots
     * @throws DatasetException       for a URI that cannot be parsed
     */
    public void checkRoots(String uri) {
        roots.check(DatasetUri.parse(uri, limits));
    }

    /**
     * Checks a local file path or an {@code s3://bucket/key} object that is not a dataset (a run's
     * initial weights) against the roots, as {@link DatasetRoots#checkPlace}.
     *
     * @throws DatasetAccessException naming the place and the allowed roots
     */
    public void checkPlace(String place) {
        roots.checkPlace(place);
    }
}
