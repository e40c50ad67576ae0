package io.twinview.core.storage;

import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Copies objects of one bucket into a local cache folder once, so that datasets on object storage
 * are opened (memory-mapped, indexed) from local files. Object {@code key} lives at
 * {@code root/<bucket>/<key>}; beside the data, {@code root/.etags/<bucket>/<key>} records the
 * size and ETag it was downloaded at. A later sync downloads an object again only when the local
 * file is missing or its size, or the listed size or ETag, differ; files no longer listed under a
 * mirrored prefix are removed. Downloads go to a temporary name and are moved into place, their
 * size checked, and their MD5 checked against the ETag when the ETag is a plain MD5 (a single-part
 * upload), so a crash or a concurrent worker never leaves a partial file under the real name.
 *
 * <h2>Size bound</h2>
 * With a {@code maxBytes} bound, each sync records its dataset (the folder it returns) in
 * {@code root/.datasets/} and marks it used now; when the datasets recorded there then hold more
 * than {@code maxBytes}, the least recently used whole datasets are deleted (data and ETag records)
 * until they fit. A dataset in use is never evicted: the one being synced, and any whose
 * {@link Result} or a holder given to {@link #holdWhileReachable} is still reachable in this JVM and
 * not {@linkplain Result#close() closed}. When what is in use alone is over the bound, it stays, with
 * a warning. Another process sharing the cache folder does not see this JVM's holds: a dataset it
 * evicts under an open file keeps working (Linux keeps the file until closed) and is downloaded again
 * at its next sync.
 */
public final class LocalMirror {

    private static final Logger LOG = Logger.getLogger(LocalMirror.class);
    private static final Pattern MD5_HEX = Pattern.compile("[0-9a-fA-F]{32}");

    /** Datasets in use in this JVM: by folder, what holds each (weakly: a holder collected is a hold released). */
    private static final Map<Path, List<WeakReference<Object>>> HOLDERS = new HashMap<>();

    private final ObjectStore store;
    private final Path root;
    private final long maxBytes;

    /**
     * What one sync did. The dataset stays in use (never evicted by a bounded mirror of this JVM)
     * while this result is reachable and not closed.
     */
    public record Result(Path local, int downloaded, int reused, int removed) implements AutoCloseable {

        /** The dataset is no longer used through this result. */
        @Override
        public void close() {
            release(local, this);
        }
    }

    /** A mirror without a size bound. */
    public LocalMirror(ObjectStore store, Path root) {
        this(store, root, 0);
    }

    /**
     * @param maxBytes most bytes the datasets synced with a bound keep in {@code root}; 0 = no bound
     */
    public LocalMirror(ObjectStore store, Path root, long maxBytes) {
        this.store = Objects.requireNonNull(store, "store");
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
        if (maxBytes < 0) {
            throw new IllegalArgumentException(
                    "mirror max bytes = " + maxBytes + " is not valid: 0 (no bound) or a positive number of bytes");
        }
        this.maxBytes = maxBytes;
    }

    /**
     * Keeps the dataset in {@code folder} (a {@link Result#local()}) in use while {@code holder}
     * is reachable: an opened dataset, say, that reads the files.
     */
    public static void holdWhileReachable(Path folder, Object holder) {
        synchronized (HOLDERS) {
            HOLDERS.computeIfAbsent(folder.toAbsolutePath().normalize(), f -> new ArrayList<>())
                    .add(new WeakReference<>(holder));
        }
    }

    private static void release(Path folder, Object holder) {
        synchronized (HOLDERS) {
            List<WeakReference<Object>> holders =
                    HOLDERS.get(folder.toAbsolutePath().normalize());
            if (holders != null) {
                holders.removeIf(ref -> ref.get() == null || ref.get() == holder);
            }
        }
    }

    private static boolean inUse(Path folder) {
        synchronized (HOLDERS) {
            List<WeakReference<Object>> holders = HOLDERS.get(folder);
            if (holders == null) {
                return false;
            }
            holders.removeIf(ref -> ref.get() == null);
            if (holders.isEmpty()) {
                HOLDERS.remove(folder);
                return false;
            }
            return true;
        }
    }

    /** The local path of {@code key} (which need not be mirrored yet). */
    public Path localPath(String key) {
        return resolve(dataRoot(), key);
    }

    /**
     * Mirrors every object under {@code prefix + "/"} and returns the local folder of the prefix.
     *
     * @throws StorageException if nothing is stored under the prefix, or a transfer or check fails
     */
    public Result syncPrefix(String prefix) {
        String folder = prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/";
        Path local = localPath(folder);
        Object syncing = new Object(); // a concurrent sync's eviction leaves this dataset alone meanwhile
        holdWhileReachable(local, syncing);
        try {
            List<ObjectVersion> objects = store.listVersions(folder);
            if (objects.isEmpty()) {
                throw new StorageException(
                        "mirror s3://" + store.bucket() + "/" + folder + ": no objects under this prefix");
            }
            int downloaded = 0;
            Set<Path> wanted = new HashSet<>();
            for (ObjectVersion object : objects) {
                wanted.add(localPath(object.key()));
                downloaded += sync(object) ? 1 : 0;
            }
            int removed = removeUnlisted(local, wanted);
            LOG.infof(
                    "mirrored s3://%s/%s into %s: %d downloaded, %d up to date, %d removed",
                    store.bucket(), folder, local, downloaded, objects.size() - downloaded, removed);
            return used(new Result(local, downloaded, objects.size() - downloaded, removed));
        } finally {
            release(local, syncing);
        }
    }

    /**
     * Mirrors exactly these keys; returns the local folder of the first one.
     *
     * @throws ObjectNotFoundException if a key has no object
     */
    public Result syncKeys(List<String> keys) {
        Path local = localPath(keys.get(0)).getParent();
        Object syncing = new Object();
        holdWhileReachable(local, syncing);
        try {
            int downloaded = 0;
            for (String key : keys) {
                ObjectVersion object =
                        store.stat(key).orElseThrow(() -> new ObjectNotFoundException(store.bucket(), key));
                downloaded += sync(object) ? 1 : 0;
            }
            return used(new Result(local, downloaded, keys.size() - downloaded, 0));
        } finally {
            release(local, syncing);
        }
    }

    /** Holds the synced dataset, and with a bound records its use and evicts what no longer fits. */
    private Result used(Result result) {
        holdWhileReachable(result.local(), result);
        if (maxBytes > 0) {
            synchronized (HOLDERS) { // one eviction at a time in this JVM
                touch(result.local());
                evict();
            }
        }
        return result;
    }

    /** The record of a dataset folder: {@code root/.datasets/<sha256 of its path>}, holding the path. */
    private Path record(Path folder) {
        String relative = root.relativize(folder).toString();
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(relative.getBytes(StandardCharsets.UTF_8));
            return root.resolve(".datasets").resolve(HexFormat.of().formatHex(digest));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private void touch(Path folder) {
        Path record = record(folder);
        try {
            Files.createDirectories(record.getParent());
            Files.writeString(record, root.relativize(folder).toString(), StandardCharsets.UTF_8);
            Files.setLastModifiedTime(record, FileTime.from(Instant.now()));
        } catch (IOException e) {
            throw new StorageException("mirror into " + folder + ": cannot record its use: " + e, e);
        }
    }

    /** One recorded dataset: its folder, bytes and last use. */
    private record Mirrored(Path folder, Path record, long bytes, FileTime lastUsed) {}

    /** Deletes the least recently used datasets not in use until the recorded ones fit in {@code maxBytes}. */
    private void evict() {
        List<Mirrored> datasets = new ArrayList<>();
        Path records = root.resolve(".datasets");
        try (Stream<Path> list = Files.list(records)) {
            for (Path record : list.filter(Files::isRegularFile).toList()) {
                Path folder = root.resolve(Files.readString(record, StandardCharsets.UTF_8))
                        .normalize();
                if (!folder.startsWith(root) || !Files.isDirectory(folder)) {
                    Files.deleteIfExists(record); // evicted or removed by someone else
                    continue;
                }
                datasets.add(new Mirrored(folder, record, bytes(folder), Files.getLastModifiedTime(record)));
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new StorageException("mirror " + root + ": cannot size the cached datasets: " + e, e);
        }
        long total = datasets.stream().mapToLong(Mirrored::bytes).sum();
        datasets.sort(Comparator.comparing(Mirrored::lastUsed));
        for (Mirrored dataset : datasets) {
            if (total <= maxBytes) {
                return;
            }
            if (inUse(dataset.folder())) {
                continue;
            }
            deleteTree(dataset.folder());
            deleteTree(root.resolve(".etags").resolve(root.relativize(dataset.folder())));
            try {
                Files.deleteIfExists(dataset.record());
            } catch (IOException e) {
                throw new StorageException("mirror " + root + ": cannot remove " + dataset.record() + ": " + e, e);
            }
            total -= dataset.bytes();
            LOG.infof(
                    "mirror %s: evicted %s (%d bytes, least recently used) to stay within %d bytes",
                    root, dataset.folder(), dataset.bytes(), maxBytes);
        }
        if (total > maxBytes) {
            LOG.warnf(
                    "mirror %s: the datasets in use hold %d bytes, over the bound of %d bytes: none of them is evicted",
                    root, total, maxBytes);
        }
    }

    private static long bytes(Path folder) throws IOException {
        try (Stream<Path> walk = Files.walk(folder)) {
            long bytes = 0;
            for (Path file : walk.filter(Files::isRegularFile).toList()) {
                bytes += Files.size(file);
            }
            return bytes;
        }
    }

    private static void deleteTree(Path folder) {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new StorageException("mirror: cannot delete " + folder + ": " + e, e);
        }
    }

    /** Downloads one object unless the local copy matches; true when it downloaded. */
    private boolean sync(ObjectVersion object) {
        Path local = localPath(object.key());
        Path etagFile = resolve(root.resolve(".etags").resolve(store.bucket()), object.key());
        String record = object.size() + " " + object.etag();
        try {
            if (Files.isRegularFile(local)
                    && Files.size(local) == object.size()
                    && Files.isRegularFile(etagFile)
                    && Files.readString(etagFile, StandardCharsets.UTF_8).equals(record)) {
                return false;
            }
            Files.createDirectories(local.getParent());
            Path temp = local.resolveSibling("." + local.getFileName() + ".part-" + UUID.randomUUID());
            try {
                MessageDigest md5 = MessageDigest.getInstance("MD5");
                long bytes = store.download(object.key(), temp);
                if (bytes != object.size()) {
                    throw new StorageException("mirror s3://" + store.bucket() + "/" + object.key() + ": downloaded "
                            + bytes + " bytes, the listing says " + object.size());
                }
                if (MD5_HEX.matcher(object.etag()).matches()) {
                    try (InputStream in = new DigestInputStream(Files.newInputStream(temp), md5)) {
                        in.transferTo(java.io.OutputStream.nullOutputStream());
                    }
                    String actual = HexFormat.of().formatHex(md5.digest());
                    if (!actual.equalsIgnoreCase(object.etag())) {
                        throw new StorageException("mirror s3://" + store.bucket() + "/" + object.key()
                                + ": the download's MD5 is " + actual + ", the ETag says " + object.etag());
                    }
                }
                move(temp, local);
            } finally {
                Files.deleteIfExists(temp);
            }
            Files.createDirectories(etagFile.getParent());
            Path etagTemp = etagFile.resolveSibling("." + etagFile.getFileName() + ".part-" + UUID.randomUUID());
            Files.writeString(etagTemp, record, StandardCharsets.UTF_8);
            move(etagTemp, etagFile);
            return true;
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new StorageException(
                    "mirror s3://" + store.bucket() + "/" + object.key() + " into " + local + ": " + e, e);
        }
    }

    private int removeUnlisted(Path folder, Set<Path> wanted) {
        if (!Files.isDirectory(folder)) {
            return 0;
        }
        try (Stream<Path> walk = Files.walk(folder)) {
            int removed = 0;
            for (Path file : walk.filter(Files::isRegularFile).toList()) {
                if (!wanted.contains(file) && !file.getFileName().toString().startsWith(".")) {
                    Files.deleteIfExists(file);
                    removed++;
                }
            }
            return removed;
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new StorageException("mirror into " + folder + ": cannot remove stale files: " + e, e);
        }
    }

    private Path dataRoot() {
        return root.resolve(store.bucket());
    }

    /** {@code base/key}, refusing keys that would escape {@code base} ("..", absolute). */
    private Path resolve(Path base, String key) {
        Path path = base.resolve(key).normalize();
        if (!path.startsWith(base) || key.startsWith("/")) {
            throw new StorageException(
                    "mirror s3://" + store.bucket() + "/" + key + ": the key would be stored outside " + base);
        }
        return path;
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
