package io.twinview.core.data;

import io.twinview.core.checkpoint.CheckpointKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The places a caller may name a dataset in ({@code twinview.datasets.roots}): local directories and
 * {@code s3://bucket[/prefix]} entries. A service checks every dataset URI it is handed against them
 * before opening it, so a caller of its API (or a writer of its tasks topic) cannot make it read
 * anything else on its disks or in its bucket.
 *
 * <p>A local path is allowed when it lies under a root both as written (made absolute against the
 * working directory and normalised) and as the file system resolves it (symbolic links followed, for
 * the part of the path that exists), so a link inside a root that points out of it is refused.
 * {@code ..} segments are refused outright. An {@code s3://bucket/key} is allowed when a root names
 * its bucket and a prefix of whole segments of its key ({@code s3://b/data} allows {@code s3://b/data}
 * and {@code s3://b/data/x}, never {@code s3://b/database}); empty, {@code .} and {@code ..} key
 * segments are refused; and the checkpoint prefix ({@code runs/}) of the service's own bucket is never
 * a dataset, whatever the roots say. {@code synthetic:} datasets name no place and need no root.
 *
 * <p>What the roots do not cover: a file placed inside a root (a link to a file elsewhere, among the
 * images of a folder) is trusted, as whoever can write into a root chooses what it holds.
 */
public final class DatasetRoots {

    /** No check at all: for the command line and benchmarks, which open what their own user names. */
    public static final DatasetRoots ANY = new DatasetRoots(List.of(), List.of(), "", true);

    /** The setting that lists the roots, as messages name it. */
    public static final String SETTING = "twinview.datasets.roots";

    private final List<Path> local;
    private final List<S3Root> s3;
    private final String checkpointBucket;
    private final boolean any;

    private record S3Root(String bucket, String prefix) {

        boolean covers(String bucket, String key) {
            return this.bucket.equals(bucket)
                    && (prefix.isEmpty() || key.equals(prefix) || key.startsWith(prefix + "/"));
        }

        @Override
        public String toString() {
            return S3Sources.PREFIX + bucket + (prefix.isEmpty() ? "" : "/" + prefix);
        }
    }

    private DatasetRoots(List<Path> local, List<S3Root> s3, String checkpointBucket, boolean any) {
        this.local = local;
        this.s3 = s3;
        this.checkpointBucket = checkpointBucket;
        this.any = any;
    }

    /**
     * @param entries          local directories (relative ones against the working directory) and
     *                         {@code s3://bucket[/prefix]} entries; blank entries are ignored, so an
     *                         empty list allows {@code synthetic:} datasets only
     * @param checkpointBucket the bucket whose {@code runs/} prefix holds checkpoints: refused as a dataset
     * @throws IllegalArgumentException naming an entry that is not a valid root
     */
    public static DatasetRoots of(List<String> entries, String checkpointBucket) {
        Objects.requireNonNull(checkpointBucket, "checkpointBucket");
        List<Path> local = new ArrayList<>();
        List<S3Root> s3 = new ArrayList<>();
        for (String raw : entries) {
            String entry = raw == null ? "" : raw.strip();
            if (entry.isEmpty()) {
                continue;
            }
            if (entry.startsWith(S3Sources.PREFIX)) {
                String rest = entry.substring(S3Sources.PREFIX.length());
                int slash = rest.indexOf('/');
                String bucket = slash < 0 ? rest : rest.substring(0, slash);
                String prefix = slash < 0 ? "" : trimSlashes(rest.substring(slash + 1));
                if (bucket.isEmpty() || badSegment(prefix) != null) {
                    throw new IllegalArgumentException(SETTING + " entry '" + entry
                            + "' is not valid: expected s3://BUCKET or s3://BUCKET/PREFIX with no empty, '.' or '..'"
                            + " segments");
                }
                if (bucket.equals(checkpointBucket) && !prefix.isEmpty() && inCheckpoints(prefix)) {
                    throw new IllegalArgumentException(SETTING + " entry '" + entry
                            + "' is not valid: it lies in the checkpoint prefix s3://" + bucket + "/"
                            + CheckpointKeys.runsPrefix() + ", which is never a dataset");
                }
                s3.add(new S3Root(bucket, prefix));
            } else {
                try {
                    local.add(Path.of(entry).toAbsolutePath().normalize());
                } catch (InvalidPathException e) {
                    throw new IllegalArgumentException(
                            SETTING + " entry '" + entry + "' is not a valid path: " + e.getMessage(), e);
                }
            }
        }
        return new DatasetRoots(List.copyOf(local), List.copyOf(s3), checkpointBucket, false);
    }

    /**
     * @throws DatasetAccessException when the URI names a place outside the roots, naming the URI and
     *                                the roots; also when it cannot be parsed
     */
    public void check(String uri) {
        check(DatasetUri.parse(uri));
    }

    /**
     * Checks a place that is not a dataset URI against the same roots and rules: a local file path or an
     * {@code s3://bucket/key} object (a run's initial weights).
     *
     * @throws DatasetAccessException naming the place and the allowed roots
     */
    public void checkPlace(String place) {
        check(new DatasetUri(place, "", place.strip(), java.util.Map.of(), DatasetLimits.DEFAULTS));
    }

    void check(DatasetUri uri) {
        if (any || uri.scheme().equals(SyntheticShapes.SCHEME)) {
            return; // a synthetic URI with a path is refused by its format, and reads nothing
        }
        String path = uri.path();
        if (path.startsWith(S3Sources.PREFIX)) {
            checkS3(uri, path.substring(S3Sources.PREFIX.length()));
        } else if (!path.isBlank()) { // a blank path is refused by every format
            checkLocal(uri, path);
        }
    }

    /** The roots as messages list them. */
    public String describe() {
        if (any) {
            return "any path";
        }
        List<String> all = new ArrayList<>();
        local.forEach(p -> all.add(p.toString()));
        s3.forEach(r -> all.add(r.toString()));
        return all.isEmpty() ? "none (only synthetic: datasets; set " + SETTING + ")" : String.join(", ", all);
    }

    private void checkS3(DatasetUri uri, String rest) {
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        String key = slash < 0 ? "" : rest.substring(slash + 1);
        while (key.endsWith("/")) {
            key = key.substring(0, key.length() - 1);
        }
        String bad = badSegment(key);
        if (bad != null) {
            throw refused(uri, "its key has " + bad + " segment");
        }
        if (bucket.equals(checkpointBucket) && inCheckpoints(key)) {
            throw refused(
                    uri,
                    (key.isEmpty() ? "the whole bucket includes" : "it lies in") + " the checkpoint prefix s3://"
                            + bucket + "/" + CheckpointKeys.runsPrefix() + ", which is never a dataset");
        }
        for (S3Root root : s3) {
            if (root.covers(bucket, key)) {
                return;
            }
        }
        throw refused(uri, "it is outside the allowed dataset roots");
    }

    private void checkLocal(DatasetUri uri, String text) {
        for (String segment : text.split("[/\\\\]", -1)) {
            if (segment.equals("..")) {
                throw refused(uri, "'..' segments are not allowed in a dataset path");
            }
        }
        Path path;
        try {
            path = Path.of(text).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw refused(uri, "'" + text + "' is not a valid path");
        }
        Path real = realPath(path);
        for (Path root : local) {
            if (path.startsWith(root)) {
                for (Path other : local) {
                    if (real.startsWith(realPath(other))) {
                        return;
                    }
                }
                throw refused(
                        uri,
                        "it resolves to " + real + " (through a symbolic link), outside the allowed"
                                + " dataset roots");
            }
        }
        throw refused(uri, "it is outside the allowed dataset roots");
    }

    /** The path with every link in its existing part resolved; the part that does not exist stays as written. */
    private static Path realPath(Path absolute) {
        Path existing = absolute;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return absolute;
        }
        try {
            return existing.toRealPath().resolve(existing.relativize(absolute));
        } catch (IOException e) {
            return absolute; // vanished meanwhile: opening it will fail naming the path
        }
    }

    private DatasetAccessException refused(DatasetUri uri, String why) {
        String what = uri.scheme().isEmpty() ? "'" + uri.text() + "'" : "dataset URI '" + uri.text() + "'";
        return new DatasetAccessException(
                what + " is not allowed: " + why + "; allowed roots: " + describe() + " (" + SETTING + ")");
    }

    private static boolean inCheckpoints(String key) {
        String runs = CheckpointKeys.runsPrefix(); // "runs/"
        return key.equals(runs.substring(0, runs.length() - 1)) || key.startsWith(runs) || key.isEmpty();
    }

    /** "an empty", "a '.'" or "a '..'" for the first such segment of a key, or null. */
    private static String badSegment(String key) {
        if (key.isEmpty()) {
            return null;
        }
        for (String segment : key.split("/", -1)) {
            if (segment.isEmpty()) {
                return "an empty";
            }
            if (segment.equals(".") || segment.equals("..")) {
                return "a '" + segment + "'";
            }
        }
        return null;
    }

    private static String trimSlashes(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && s.charAt(from) == '/') {
            from++;
        }
        while (to > from && s.charAt(to - 1) == '/') {
            to--;
        }
        return s.substring(from, to);
    }
}
