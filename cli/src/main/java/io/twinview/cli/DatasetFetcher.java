package io.twinview.cli;

import io.twinview.core.data.DatasetException;
import io.twinview.core.data.Datasets;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Downloads an official dataset archive, checks its published MD5 and extracts it so that the
 * folder opens with the dataset's URI. Steps, all in a hidden work folder {@code .<DIR>.fetch}
 * beside DIR: the archive is downloaded to {@code <archive>.part}, resumed with an HTTP Range
 * request when a previous run left one (restarted when the server ignores the range); its MD5 is
 * checked (a mismatch deletes it); it is extracted into {@code extracted/} from scratch, the
 * archive's top folder stripped; every split is opened with {@link Datasets#open}; a marker file
 * {@value #MARKER} is written; then {@code extracted/} is renamed to DIR in one atomic move. So DIR
 * either does not exist or holds the whole verified dataset: an interrupted fetch never leaves a
 * half-extracted dataset under DIR.
 */
final class DatasetFetcher {

    static final String MARKER = ".twinview-fetch";

    /** One official archive: where it is, its published MD5, its top folder, the URIs that must open. */
    enum Source {
        CIFAR10(
                "cifar10",
                "https://www.cs.toronto.edu/~kriz/",
                "cifar-10-binary.tar.gz",
                "c32a1d4ab5d03f1284b67883e8d87530",
                "cifar-10-batches-bin",
                List.of("?split=train", "?split=test")),
        CIFAR100(
                "cifar100",
                "https://www.cs.toronto.edu/~kriz/",
                "cifar-100-binary.tar.gz",
                "03b5dce01913d631647c71ecec9e9cb8",
                "cifar-100-binary",
                List.of("?split=train", "?split=test")),
        // MD5 as torchvision's datasets/stl10.py (tgz_md5) and TensorFlow's STL-10 loader publish it
        STL10(
                "stl10",
                "http://ai.stanford.edu/~acoates/stl10/",
                "stl10_binary.tar.gz",
                "91f7769df0f17e558f3565bffb0c7dfb",
                "stl10_binary",
                List.of("?split=train", "?split=test", "?split=unlabeled"));

        final String scheme;
        final String baseUrl;
        final String archive;
        final String md5;
        final String topFolder;
        final List<String> checks;

        Source(String scheme, String baseUrl, String archive, String md5, String topFolder, List<String> checks) {
            this.scheme = scheme;
            this.baseUrl = baseUrl;
            this.archive = archive;
            this.md5 = md5;
            this.topFolder = topFolder;
            this.checks = checks;
        }

        static Source of(String name) {
            for (Source source : values()) {
                if (source.scheme.equals(name.toLowerCase(Locale.ROOT))) {
                    return source;
                }
            }
            throw new IllegalArgumentException("unknown dataset '" + name + "'; allowed: cifar10, cifar100, stl10");
        }
    }

    /** A fetch that failed; the message names the address or file and what is wrong. */
    static final class FetchException extends RuntimeException {
        FetchException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final PrintWriter out;
    private final Duration connectTimeout;

    DatasetFetcher(PrintWriter out, Duration connectTimeout) {
        this.out = out;
        this.connectTimeout = connectTimeout;
    }

    /**
     * @param baseUrl     where the archive is, ending in "/" or not; null for the official address
     * @param expectedMd5 the archive's MD5; null for the published one
     * @return DIR, absolute
     */
    Path fetch(Source source, Path dir, String baseUrl, String expectedMd5) {
        Path target = dir.toAbsolutePath().normalize();
        String url =
                (baseUrl == null ? source.baseUrl : baseUrl.endsWith("/") ? baseUrl : baseUrl + "/") + source.archive;
        String md5 = expectedMd5 == null ? source.md5 : expectedMd5.toLowerCase(Locale.ROOT);
        try {
            if (Files.isRegularFile(target.resolve(MARKER))) {
                out.println(source.scheme + " is already in " + target + " (" + MARKER + " present); nothing to do");
                return target;
            }
            if (Files.exists(target) && !isEmptyDirectory(target)) {
                throw new FetchException(
                        target + " exists and is not an empty folder: fetch " + source.scheme
                                + " into a new or empty folder",
                        null);
            }
            Path work = target.resolveSibling("." + target.getFileName() + ".fetch");
            Files.createDirectories(work);
            Path part = work.resolve(source.archive + ".part");
            download(url, part);
            String actual = md5(part);
            if (!actual.equals(md5)) {
                Files.deleteIfExists(part);
                throw new FetchException(
                        "checksum mismatch for " + url + ": MD5 " + actual + ", expected " + md5
                                + "; the download was deleted (run again to download it afresh); " + target
                                + " was not created",
                        null);
            }
            out.println("MD5 " + actual + " matches");
            Path staging = work.resolve("extracted");
            deleteRecursively(staging);
            int files = extract(part, source.topFolder, staging, url);
            for (String check : source.checks) {
                String uri = source.scheme + ":" + staging + check;
                try {
                    Datasets.open(uri);
                } catch (DatasetException e) {
                    throw new FetchException(
                            "the archive from " + url + " does not hold a " + source.scheme + " dataset: "
                                    + e.getMessage(),
                            e);
                }
            }
            Files.writeString(
                    staging.resolve(MARKER),
                    "dataset=" + source.scheme + "\nurl=" + url + "\nmd5=" + actual + "\nfetched=" + Instant.now()
                            + "\n",
                    StandardCharsets.UTF_8);
            if (Files.exists(target)) {
                Files.delete(target); // the empty folder checked above
            }
            Files.createDirectories(target.getParent());
            try {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException | DirectoryNotEmptyException e) {
                throw new FetchException(
                        "cannot move the extracted " + source.scheme + " from " + staging + " to " + target
                                + " in one step: " + e,
                        e);
            }
            deleteRecursively(work);
            out.println(
                    "extracted " + files + " files into " + target + "; open it as " + source.scheme + ":" + target);
            return target;
        } catch (IOException e) {
            throw new FetchException(
                    "fetching " + source.scheme + " from " + url + " into " + target + " failed: " + e, e);
        }
    }

    /** Downloads {@code url} into {@code part}, resuming from its current size when the server honours a Range request. */
    private void download(String url, Path part) throws IOException {
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        HttpClient client = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).GET();
        if (have > 0) {
            request.header("Range", "bytes=" + have + "-");
        }
        HttpResponse<InputStream> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (ConnectException | HttpConnectTimeoutException | java.nio.channels.UnresolvedAddressException e) {
            throw new FetchException(
                    "cannot reach " + url + " (" + e + "); is this machine offline? Download " + url
                            + " elsewhere and serve it with --base-url, or copy the extracted folder here",
                    e);
        } catch (IOException e) {
            throw new FetchException("cannot download " + url + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FetchException("download of " + url + " interrupted", e);
        }
        int status = response.statusCode();
        try (InputStream body = response.body()) {
            if (status == 416 && have > 0) {
                out.println("resuming " + url + ": the " + have + " bytes already here are the whole file");
                return;
            }
            boolean resume = status == 206 && have > 0;
            if (status != 200 && !resume) {
                throw new FetchException("downloading " + url + " failed: HTTP " + status, null);
            }
            out.println((resume ? "resuming " + url + " at byte " + have : "downloading " + url) + " into " + part);
            StandardOpenOption mode = resume ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING;
            try (OutputStream file =
                    Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE, mode)) {
                body.transferTo(file);
            } catch (IOException e) {
                throw new FetchException(
                        "download of " + url + " broke off (" + e + "); run again to resume from " + Files.size(part)
                                + " bytes",
                        e);
            }
        }
    }

    private static String md5(Path file) throws IOException {
        try {
            MessageDigest digest = MessageDigest.getInstance("MD5");
            try (InputStream in = new DigestInputStream(new BufferedInputStream(Files.newInputStream(file)), digest)) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no MD5", e);
        }
    }

    /** Extracts the members below {@code topFolder/} (that prefix stripped) into {@code into}; returns the file count. */
    private static int extract(Path archive, String topFolder, Path into, String url) throws IOException {
        Files.createDirectories(into);
        int files = 0;
        String prefix = topFolder + "/";
        try (TarArchiveInputStream tar = new TarArchiveInputStream(
                new GzipCompressorInputStream(new BufferedInputStream(Files.newInputStream(archive))))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                String name = entry.getName().startsWith("./") ? entry.getName().substring(2) : entry.getName();
                if (!entry.isFile() || !name.startsWith(prefix)) {
                    continue;
                }
                Path file = into.resolve(name.substring(prefix.length())).normalize();
                if (!file.startsWith(into) || file.equals(into)) {
                    throw new FetchException(
                            "the archive from " + url + " has a member '" + entry.getName()
                                    + "' that would be written outside " + into,
                            null);
                }
                Files.createDirectories(file.getParent());
                Files.copy(tar, file, StandardCopyOption.REPLACE_EXISTING);
                files++;
            }
        } catch (IOException e) {
            throw new FetchException("the archive " + archive + " from " + url + " does not extract: " + e, e);
        }
        if (files == 0) {
            throw new FetchException("the archive from " + url + " has no files under " + prefix, null);
        }
        return files;
    }

    private static boolean isEmptyDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
