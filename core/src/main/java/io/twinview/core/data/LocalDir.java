package io.twinview.core.data;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/** The local directory a {@code scheme:DIR} URI names, checked to exist. */
final class LocalDir {

    private LocalDir() {}

    /** @param usage the URI form to show when the path is missing, e.g. {@code "cifar100:DIR[?split=train|test]"} */
    static Path of(DatasetUri uri, String usage) {
        Path path = path(uri, usage);
        if (!Files.exists(path)) {
            throw uri.error("directory " + path + " does not exist");
        }
        if (!Files.isDirectory(path)) {
            throw uri.error(path + " is not a directory");
        }
        return path;
    }

    /** The absolute, normalised path of the URI, not checked to exist. */
    static Path path(DatasetUri uri, String usage) {
        if (uri.path().isBlank()) {
            throw uri.error("no path after '" + uri.scheme() + ":'; expected " + usage);
        }
        if (uri.path().startsWith("s3://")) {
            throw uri.error("an s3:// source needs storage settings (endpoint and credentials):"
                    + " open it with Datasets.open(uri, StorageSettings)");
        }
        try {
            return Path.of(uri.path()).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw uri.error("'" + uri.path() + "' is not a valid path: " + e.getMessage());
        }
    }

    /** Reads a file of one name per non-blank line; null when absent. */
    static java.util.List<String> names(DatasetUri uri, Path file, int expected) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        java.util.List<String> names;
        try (java.util.stream.Stream<String> lines = Files.lines(file, java.nio.charset.StandardCharsets.UTF_8)) {
            names = lines.map(String::strip).filter(s -> !s.isEmpty()).toList();
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            throw new DatasetException("dataset URI '" + uri.text() + "': cannot read " + file + ": " + e, e);
        }
        if (names.size() != expected) {
            throw uri.error(file + " has " + names.size() + " non-blank lines; expected " + expected
                    + " class names, one per line");
        }
        return names;
    }
}
