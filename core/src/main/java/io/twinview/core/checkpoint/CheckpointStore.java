package io.twinview.core.checkpoint;

import io.twinview.core.storage.ObjectInfo;
import io.twinview.core.storage.ObjectStore;
import io.twinview.core.storage.StorageException;
import io.twinview.proto.v1.CheckpointManifest;
import io.twinview.proto.v1.EvalReport;
import io.twinview.proto.v1.StoredObject;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Crash-safe checkpoints in object storage. Objects are written first, the manifest (with the
 * sha256 of every object) last: a reader that finds a manifest and matching checksums has a whole
 * checkpoint, and anything else under the prefix is an interrupted write that does not exist.
 */
public final class CheckpointStore {

    public static final int FORMAT_VERSION = 1;
    private static final Logger LOG = Logger.getLogger(CheckpointStore.class);
    private static final Pattern MANIFEST_KEY = Pattern.compile("runs/[^/]+/checkpoints/[0-9]+/manifest\\.json");
    private static final Pattern REPORT_KEY = Pattern.compile("runs/[^/]+/checkpoints/[0-9]+/reports/[^/]+\\.json");

    private final ObjectStore store;

    public CheckpointStore(ObjectStore store) {
        this.store = store;
    }

    public String bucket() {
        return store.bucket();
    }

    /**
     * Writes the objects, then the manifest. The manifest's run id and step place it; its object
     * list is filled in here. All or nothing: when a write fails (permanently, or after the store's
     * retries gave up), the objects this attempt wrote are deleted, manifest first (best effort, one
     * try each, logged), and the failure is thrown.
     *
     * @param objects by name; stored as "name + extension" files ("encoder" -> encoder.params)
     * @return the manifest's key
     * @throws StorageException naming the checkpoint, the failure, and what was left behind if clean-up failed
     */
    public String write(CheckpointManifest manifest, Map<String, byte[]> objects) {
        String runId = manifest.getRunId();
        long step = manifest.getStep();
        CheckpointManifest.Builder complete =
                manifest.toBuilder().clearObjects().setFormatVersion(FORMAT_VERSION);
        List<String> attempted = new ArrayList<>(); // a failed put may still have stored its object
        try {
            for (Map.Entry<String, byte[]> object : objects.entrySet()) {
                String key = CheckpointKeys.objectKey(runId, step, fileName(object.getKey()));
                attempted.add(key);
                store.put(key, object.getValue(), "application/octet-stream");
                complete.addObjects(StoredObject.newBuilder()
                        .setName(object.getKey())
                        .setKey(key)
                        .setSha256(sha256(object.getValue()))
                        .setSizeBytes(object.getValue().length));
            }
            String manifestKey = CheckpointKeys.manifestKey(runId, step);
            attempted.add(manifestKey);
            store.put(manifestKey, ProtoJson.toJson(complete.build()), "application/json");
            return manifestKey;
        } catch (RuntimeException e) {
            java.util.Collections.reverse(attempted); // the manifest first: no reader meets a half-deleted checkpoint
            List<String> left = deleteQuietly(attempted);
            String where = "checkpoint of step " + step + " of run " + runId;
            throw new StorageException(
                    where + " not written: " + e.getMessage()
                            + (left.isEmpty()
                                    ? "; the objects of this attempt were deleted"
                                    : "; could not delete " + left + " (incomplete: readers skip it)"),
                    e);
        }
    }

    /** Deletes each key with one try; returns those that could not be deleted. */
    private List<String> deleteQuietly(List<String> keys) {
        List<String> left = new ArrayList<>();
        for (String key : keys) {
            try {
                store.deleteOnce(key);
                LOG.infof("deleted %s of a failed checkpoint write", key);
            } catch (RuntimeException e) {
                LOG.warnf("could not delete %s of a failed checkpoint write: %s", key, e.getMessage());
                left.add(key);
            }
        }
        return left;
    }

    private static String fileName(String objectName) {
        return switch (objectName) {
            case "optimizer" -> "optimizer.ndlist";
            case SampleAccount.OBJECT -> "samples.pb";
            default -> objectName + ".params";
        };
    }

    /** Steps that have a manifest, newest first (checksums not yet verified). */
    public List<Long> steps(String runId) {
        return store.listPrefixes(CheckpointKeys.checkpointsPrefix(runId)).stream()
                .map(CheckpointKeys::stepOf)
                .filter(step -> step >= 0)
                .filter(step -> store.exists(CheckpointKeys.manifestKey(runId, step)))
                .sorted(Comparator.reverseOrder())
                .toList();
    }

    /** Every run id that has a folder under runs/. */
    public List<String> runIds() {
        return store.listPrefixes(CheckpointKeys.runsPrefix()).stream()
                .map(prefix ->
                        prefix.substring(CheckpointKeys.runsPrefix().length()).replace("/", ""))
                .filter(id -> !id.isEmpty())
                .sorted()
                .toList();
    }

    /** The manifest of a step, if one was written and parses. */
    public Optional<CheckpointManifest> manifest(String runId, long step) {
        String key = CheckpointKeys.manifestKey(runId, step);
        return store.find(key)
                .map(json -> ProtoJson.parse(json, CheckpointManifest.newBuilder(), key)
                        .build());
    }

    /**
     * The newest checkpoint whose manifest is present and whose objects all exist with their
     * recorded sizes, reading and verifying the named objects. Incomplete or corrupt checkpoints
     * are skipped with a warning.
     */
    public Optional<Checkpoint> latest(String runId, Set<String> objectsToRead) {
        for (long step : steps(runId)) {
            Optional<Checkpoint> checkpoint = read(runId, step, objectsToRead);
            if (checkpoint.isPresent()) {
                return checkpoint;
            }
        }
        return Optional.empty();
    }

    /**
     * The checkpoint of one step, when it is complete: manifest present, every object present with
     * its size, and the named objects matching their sha256.
     */
    public Optional<Checkpoint> read(String runId, long step, Set<String> objectsToRead) {
        String manifestKey = CheckpointKeys.manifestKey(runId, step);
        CheckpointManifest manifest;
        try {
            Optional<CheckpointManifest> found = manifest(runId, step);
            if (found.isEmpty()) {
                return Optional.empty();
            }
            manifest = found.get();
        } catch (IllegalArgumentException e) {
            LOG.warnf("ignoring checkpoint %s: %s", manifestKey, e.getMessage());
            return Optional.empty();
        }
        Map<String, Long> sizes = store.list(CheckpointKeys.checkpointPrefix(runId, step), false).stream()
                .collect(Collectors.toMap(ObjectInfo::key, ObjectInfo::size, (a, b) -> a));
        Map<String, byte[]> read = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (StoredObject object : manifest.getObjectsList()) {
            Long size = sizes.get(object.getKey());
            if (size == null || size != object.getSizeBytes()) {
                problems.add(object.getKey()
                        + (size == null
                                ? " is missing"
                                : " has " + size + " bytes, manifest says " + object.getSizeBytes()));
                continue;
            }
            if (objectsToRead.contains(object.getName())) {
                byte[] data = store.get(object.getKey());
                String digest = sha256(data);
                if (!digest.equals(object.getSha256())) {
                    problems.add(object.getKey() + " has sha256 " + digest + ", manifest says " + object.getSha256());
                } else {
                    read.put(object.getName(), data);
                }
            }
        }
        for (String wanted : objectsToRead) {
            if (!read.containsKey(wanted) && problems.isEmpty()) {
                problems.add("manifest lists no object '" + wanted + "'");
            }
        }
        if (!problems.isEmpty()) {
            LOG.warnf("ignoring checkpoint %s: %s", manifestKey, String.join("; ", problems));
            return Optional.empty();
        }
        return Optional.of(new Checkpoint(manifestKey, manifest, read));
    }

    /**
     * The objects under the run's checkpoints, by step, oldest first, from one listing: each
     * step's manifest, parameters and evaluation reports. A step folder without objects is absent.
     */
    public SortedMap<Long, List<ObjectInfo>> folders(String runId) {
        String prefix = CheckpointKeys.checkpointsPrefix(runId);
        SortedMap<Long, List<ObjectInfo>> folders = new TreeMap<>();
        for (ObjectInfo object : store.list(prefix, true)) {
            String rest = object.key().substring(prefix.length());
            int slash = rest.indexOf('/');
            long step = slash < 0 ? -1 : CheckpointKeys.stepOf(rest.substring(0, slash));
            if (step >= 0) {
                folders.computeIfAbsent(step, s -> new ArrayList<>()).add(object);
            }
        }
        return folders;
    }

    /** Whether a step's objects (as {@link #folders} lists them) include its manifest. */
    public static boolean hasManifest(List<ObjectInfo> folder) {
        return folder.stream()
                .anyMatch(object -> MANIFEST_KEY.matcher(object.key()).matches());
    }

    /** Whether a listed object is an evaluation report ({@link CheckpointKeys#reportKey}). */
    public static boolean isReport(ObjectInfo object) {
        return REPORT_KEY.matcher(object.key()).matches();
    }

    /**
     * Deletes one step's checkpoint whole: the manifest first, so a half-deleted checkpoint never
     * reads as complete (it is then an orphan, see {@link #orphans}), then every other object of
     * its folder, the evaluation reports included.
     *
     * @return the objects deleted, the manifest included when there was one
     */
    public int delete(String runId, long step) {
        String manifestKey = CheckpointKeys.manifestKey(runId, step);
        List<ObjectInfo> objects = store.list(CheckpointKeys.checkpointPrefix(runId, step), true);
        store.delete(manifestKey); // first, whether listed or not: deleting a missing key is no error
        for (ObjectInfo object : objects) {
            if (!object.key().equals(manifestKey)) {
                store.delete(object.key());
            }
        }
        return objects.size();
    }

    /**
     * Steps that hold objects but no manifest and are older than the newest step with a manifest:
     * what a failed or crashed write attempt (or an interrupted {@link #delete}) left, never to be
     * completed. A step newer than the newest manifest may be a write in progress and is not one.
     * Oldest first.
     */
    public List<Long> orphans(String runId) {
        return orphans(folders(runId));
    }

    /** {@link #orphans(String)} of a listing made by {@link #folders}. */
    public static List<Long> orphans(SortedMap<Long, List<ObjectInfo>> folders) {
        long newestComplete = folders.entrySet().stream()
                .filter(folder -> hasManifest(folder.getValue()))
                .mapToLong(Map.Entry::getKey)
                .max()
                .orElse(-1);
        return folders.entrySet().stream()
                .filter(folder -> folder.getKey() < newestComplete && !hasManifest(folder.getValue()))
                .map(Map.Entry::getKey)
                .toList();
    }

    /**
     * An evaluation report stored beside a checkpoint, unless it is a failed one (the evaluator gave
     * up on that checkpoint: {@link EvalReport#getFailed()}), is gone, or does not parse (logged).
     */
    public Optional<EvalReport> report(String key) {
        Optional<byte[]> json = store.find(key);
        if (json.isEmpty()) {
            return Optional.empty();
        }
        try {
            EvalReport report =
                    ProtoJson.parse(json.get(), EvalReport.newBuilder(), key).build();
            return report.getFailed() ? Optional.empty() : Optional.of(report);
        } catch (IllegalArgumentException e) {
            LOG.warnf("ignoring report %s: %s", key, e.getMessage());
            return Optional.empty();
        }
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
