package io.twinview.core.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
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
 */
public final class LocalMirror {

    private static final Logger LOG = Logger.getLogger(LocalMirror.class);
    private static final Pattern MD5_HEX = Pattern.compile("[0-9a-fA-F]{32}");

    private final ObjectStore store;
    private final Path root;

    /** What one sync did. */
    public record Result(Path local, int downloaded, int reused, int removed) {}

    public LocalMirror(ObjectStore store, Path root) {
        this.store = Objects.requireNonNull(store, "store");
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
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
        Path local = localPath(folder);
        int removed = removeUnlisted(local, wanted);
        LOG.infof(
                "mirrored s3://%s/%s into %s: %d downloaded, %d up to date, %d removed",
                store.bucket(), folder, local, downloaded, objects.size() - downloaded, removed);
        return new Result(local, downloaded, objects.size() - downloaded, removed);
    }

    /**
     * Mirrors exactly these keys; returns the local folder of the first one.
     *
     * @throws ObjectNotFoundException if a key has no object
     */
    public Result syncKeys(List<String> keys) {
        int downloaded = 0;
        for (String key : keys) {
            ObjectVersion object = store.stat(key).orElseThrow(() -> new ObjectNotFoundException(store.bucket(), key));
            downloaded += sync(object) ? 1 : 0;
        }
        return new Result(localPath(keys.get(0)).getParent(), downloaded, keys.size() - downloaded, 0);
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
