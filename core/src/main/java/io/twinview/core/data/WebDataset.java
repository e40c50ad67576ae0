package io.twinview.core.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;
import org.jboss.logging.Logger;

/**
 * WebDataset tar shards (https://github.com/webdataset/webdataset, "The WebDataset Format"):
 * uncompressed POSIX tar files whose members are grouped into samples by key, the member path up
 * to the first dot of its file name ({@code a/0001.jpg} and {@code a/0001.cls} are sample
 * {@code a/0001}). A sample here needs exactly one image member ({@code .jpg}, {@code .jpeg} or
 * {@code .png}) and a {@code .cls} member holding a non-negative integer label as text; keys
 * without an image member (other modalities) are skipped; an image without {@code .cls} is an
 * error at open. At open every shard's members are indexed with Apache Commons Compress (data
 * offset and size of each image, the labels read), so {@link #readImage} is a positional read of
 * one member plus the {@link ImageDecoder} checks and decode; a bad image fails only its own read
 * with a {@link BadImageException} naming {@code shard.tar:key}, and so does a label at or
 * above {@link #MAX_CLASSES} (BAD_LABEL).
 */
final class WebDataset extends SquareImages {

    private static final Logger LOG = Logger.getLogger(WebDataset.class);

    static final String SCHEME = "webdataset";
    static final String USAGE = "webdataset:FILE.tar|DIR|shards-{000..009}.tar[?size=N&classes=C]";
    private static final Pattern BRACE = Pattern.compile("\\{(\\d+)\\.\\.(\\d+)}");
    private static final int MAX_SHARDS = 100_000;
    /**
     * Most classes a WebDataset may have, and the bound on {@code classes=}: 100,000 (ImageNet-21k
     * has 21,841). A {@code .cls} label at or above it would make the dataset (and the probes)
     * allocate a class list of that size: its sample is refused with BAD_LABEL when read, and a
     * worker dead-letters it; the other samples are unaffected.
     */
    static final int MAX_CLASSES = 100_000;
    /** Label of a sample whose {@code .cls} is at or above {@link #MAX_CLASSES}. */
    private static final int OUT_OF_RANGE = -1;

    private final Path[] shards;
    private final int[] shardOf;
    private final long[] offsets;
    private final int[] sizes;
    private final int[] labels;
    /** The {@code .cls} text of each sample whose label is {@link #OUT_OF_RANGE}, by index. */
    private final Map<Integer, String> badLabels;

    private final String[] keys;

    private WebDataset(
            String uri,
            int side,
            Path[] shards,
            int[] shardOf,
            long[] offsets,
            int[] sizes,
            int[] labels,
            Map<Integer, String> badLabels,
            String[] keys,
            List<String> classNames) {
        super(uri, side, keys.length, classNames);
        this.shards = shards;
        this.shardOf = shardOf;
        this.offsets = offsets;
        this.sizes = sizes;
        this.labels = labels;
        this.badLabels = badLabels;
        this.keys = keys;
    }

    static WebDataset open(DatasetUri uri) {
        uri.requireOnly(List.of("size", "classes"));
        int side = ImageFolderDataset.size(uri);
        Path path = LocalDir.path(uri, USAGE);
        List<Path> shards = shards(uri, path);
        List<Integer> shardOf = new ArrayList<>();
        List<Long> offsets = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        Map<Integer, String> badLabels = new HashMap<>();
        List<String> keys = new ArrayList<>();
        for (int s = 0; s < shards.size(); s++) {
            Path shard = shards.get(s);
            for (Sample sample : index(uri, shard)) {
                shardOf.add(s);
                offsets.add(sample.offset);
                sizes.add(sample.size);
                if (sample.label == OUT_OF_RANGE) {
                    badLabels.put(keys.size(), sample.labelText);
                }
                labels.add(sample.label);
                keys.add(sample.key);
            }
            if (keys.size() > uri.limits().maxImages()) {
                throw uri.error(
                        "images: the shards hold more than " + uri.limits().maxImages()
                                + " samples (counted up to " + shard.getFileName() + "); allowed: at most "
                                + uri.limits().maxImages() + " (twinview.datasets.max-images)");
            }
        }
        if (keys.isEmpty()) {
            throw uri.error(
                    "no samples (an image member with a .cls member) in " + shards.size() + " shard(s) at " + path);
        }
        int maxLabel =
                Math.max(0, labels.stream().mapToInt(Integer::intValue).max().orElse(0));
        int classes = maxLabel + 1;
        String declared = uri.params().get("classes");
        if (declared != null) {
            try {
                classes = Integer.parseInt(declared);
            } catch (NumberFormatException e) {
                throw uri.error("classes='" + declared + "' is not an integer");
            }
            if (classes > MAX_CLASSES) {
                throw uri.error("classes=" + declared + " is above the limit of " + MAX_CLASSES + " classes");
            }
            if (classes < 1 || maxLabel >= classes) {
                throw uri.error("classes=" + declared + " but the shards hold label " + maxLabel
                        + "; classes must be at least the largest label + 1");
            }
        }
        if (classes > uri.limits().maxClasses()) {
            throw uri.error("classes = " + classes + (declared == null ? " (the largest label + 1)" : "")
                    + " is not allowed; allowed: 1.." + uri.limits().maxClasses() + " (twinview.datasets.max-classes)");
        }
        List<String> names = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            names.add(Integer.toString(c));
        }
        String canonical = SCHEME + ":" + path + "?size=" + side + (declared != null ? "&classes=" + classes : "");
        LOG.infof("Opened %s: %d samples in %d shard(s), %d classes", canonical, keys.size(), shards.size(), classes);
        return new WebDataset(
                canonical,
                side,
                shards.toArray(Path[]::new),
                shardOf.stream().mapToInt(Integer::intValue).toArray(),
                offsets.stream().mapToLong(Long::longValue).toArray(),
                sizes.stream().mapToInt(Integer::intValue).toArray(),
                labels.stream().mapToInt(Integer::intValue).toArray(),
                Map.copyOf(badLabels),
                keys.toArray(String[]::new),
                List.copyOf(names));
    }

    /** No held-out split in one set of shards: pre-train and fit probes on it, no test set unless named. */
    static EvalSplits defaultSplits(DatasetUri uri) {
        String canonical = open(uri).uri();
        return new EvalSplits(
                canonical,
                canonical,
                null,
                "webdataset shards have no held-out split: pre-training and fitting probes on " + canonical
                        + "; name an evaluation test set (other shards) for test scores");
    }

    /** The shard files a path names: one .tar, every *.tar in a directory (sorted), or a {a..b} pattern. */
    static List<Path> shards(DatasetUri uri, Path path) {
        String text = path.toString();
        List<Path> shards = new ArrayList<>();
        if (BRACE.matcher(text).find()) {
            for (String expanded : expand(uri, text)) {
                Path shard = Path.of(expanded);
                if (!Files.isRegularFile(shard)) {
                    throw uri.error("shard " + shard + " (from the pattern " + path.getFileName() + ") does not exist");
                }
                shards.add(shard);
            }
        } else if (Files.isDirectory(path)) {
            try (Stream<Path> entries = Files.list(path)) {
                shards.addAll(entries.filter(p -> p.getFileName().toString().endsWith(".tar"))
                        .filter(Files::isRegularFile)
                        .sorted()
                        .toList());
            } catch (IOException | java.io.UncheckedIOException e) {
                throw new DatasetException("dataset URI '" + uri.text() + "': cannot list " + path + ": " + e, e);
            }
            if (shards.isEmpty()) {
                throw uri.error("no .tar shards in directory " + path);
            }
            if (shards.size() > uri.limits().maxShards()) {
                throw uri.error(
                        "shards: directory " + path + " holds " + shards.size() + " .tar shards; allowed: at most "
                                + uri.limits().maxShards() + " (twinview.datasets.max-shards)");
            }
        } else if (Files.isRegularFile(path)) {
            shards.add(path);
        } else {
            throw uri.error(path + " does not exist");
        }
        for (Path shard : shards) {
            if (!shard.getFileName().toString().endsWith(".tar")) {
                throw uri.error("shard " + shard
                        + " is not a .tar file (compressed shards are not random access; use plain tar)");
            }
        }
        return shards;
    }

    /**
     * The objects an s3:// webdataset needs: exactly the shards a key naming one {@code .tar} or a
     * brace pattern names; for any other key (a folder) none, so every object under it is mirrored.
     */
    static List<String> s3Files(DatasetUri uri, String key) {
        String lastPart = key.substring(key.lastIndexOf('/') + 1);
        return lastPart.endsWith(".tar") || lastPart.contains("{") ? expand(uri, key) : List.of();
    }

    /**
     * Expands every {@code {a..b}} (zero-padded to the width of a when a has a leading zero), after
     * checking that all the ranges multiplied name at most {@link DatasetLimits#maxShards()} shards.
     */
    static List<String> expand(DatasetUri uri, String pattern) {
        long total = 1;
        Matcher ranges = BRACE.matcher(pattern);
        while (ranges.find()) {
            long count = rangeSize(uri, ranges.group(1), ranges.group(2));
            total = count > uri.limits().maxShards() ? count : total * count; // no overflow: both <= 2^31 here
            if (total > uri.limits().maxShards()) {
                throw uri.error("shards: the pattern " + pattern + " names more than "
                        + uri.limits().maxShards() + " shards; allowed: at most "
                        + uri.limits().maxShards() + " (twinview.datasets.max-shards)");
            }
        }
        return expandRanges(uri, pattern);
    }

    private static long rangeSize(DatasetUri uri, String from, String to) {
        try {
            long a = Long.parseLong(from);
            long b = Long.parseLong(to);
            if (b >= a && b - a < MAX_SHARDS) {
                return b - a + 1;
            }
        } catch (NumberFormatException e) {
            throw uri.error("shard range {" + from + ".." + to + "} is not a pair of integers");
        }
        throw uri.error(
                "shard range {" + from + ".." + to + "} must run low..high over at most " + MAX_SHARDS + " shards");
    }

    private static List<String> expandRanges(DatasetUri uri, String pattern) {
        Matcher m = BRACE.matcher(pattern);
        if (!m.find()) {
            return List.of(pattern);
        }
        String from = m.group(1);
        String to = m.group(2);
        long a;
        long b;
        try {
            a = Long.parseLong(from);
            b = Long.parseLong(to);
        } catch (NumberFormatException e) {
            throw uri.error("shard range {" + from + ".." + to + "} is not a pair of integers");
        }
        if (b < a || b - a >= MAX_SHARDS) {
            throw uri.error(
                    "shard range {" + from + ".." + to + "} must run low..high over at most " + MAX_SHARDS + " shards");
        }
        int width = from.length() > 1 && from.startsWith("0") ? from.length() : 0;
        List<String> out = new ArrayList<>();
        for (long n = a; n <= b; n++) {
            String number = width > 0 ? String.format("%0" + width + "d", n) : Long.toString(n);
            for (String rest : expandRanges(uri, pattern.substring(m.end()))) {
                out.add(pattern.substring(0, m.start()) + number + rest);
            }
        }
        return out;
    }

    /** @param labelText the {@code .cls} text, kept for the message when {@code label} is {@link #OUT_OF_RANGE} */
    private record Sample(String key, long offset, int size, int label, String labelText) {}

    /** A {@code .cls} member: its label, or {@link #OUT_OF_RANGE} with its text. */
    private record Label(int value, String text) {}

    private static List<Sample> index(DatasetUri uri, Path shard) {
        Map<String, TarArchiveEntry> images = new LinkedHashMap<>();
        Map<String, Label> classes = new LinkedHashMap<>();
        try (TarFile tar = new TarFile(shard)) {
            for (TarArchiveEntry entry : tar.getEntries()) {
                if (!entry.isFile()) {
                    continue;
                }
                String name = entry.getName();
                int slash = name.lastIndexOf('/');
                int dot = name.indexOf('.', slash + 1);
                if (dot < 0 || name.substring(slash + 1).startsWith(".")) {
                    continue;
                }
                String key = name.substring(0, dot);
                String extension = name.substring(dot + 1).toLowerCase(Locale.ROOT);
                switch (extension) {
                    case "jpg", "jpeg", "png" -> {
                        if (entry.isSparse()) {
                            throw uri.error("member " + name + " of " + shard
                                    + " is a sparse file; shards must hold plain members");
                        }
                        if (images.put(key, entry) != null) {
                            throw uri.error("sample " + key + " of " + shard
                                    + " has more than one image member (.jpg/.jpeg/.png)");
                        }
                    }
                    case "cls" -> classes.put(key, readLabel(uri, shard, tar, entry));
                    default -> {
                        // other modalities (.json, .txt, ...) are not used
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof DatasetException d) {
                throw d;
            }
            throw new DatasetException(
                    "dataset URI '" + uri.text() + "': cannot index tar shard " + shard + ": " + e, e);
        }
        List<Sample> samples = new ArrayList<>();
        for (Map.Entry<String, TarArchiveEntry> image : images.entrySet()) {
            Label label = classes.get(image.getKey());
            if (label == null) {
                throw uri.error("sample " + image.getKey() + " of " + shard + " has an image but no .cls member");
            }
            TarArchiveEntry entry = image.getValue();
            // members over 2 GiB cannot be images within the decoder's limits: keep the size, reject at read
            int size = (int) Math.min(entry.getSize(), Integer.MAX_VALUE);
            samples.add(new Sample(image.getKey(), entry.getDataOffset(), size, label.value(), label.text()));
        }
        return samples;
    }

    private static Label readLabel(DatasetUri uri, Path shard, TarFile tar, TarArchiveEntry entry) throws IOException {
        if (entry.getSize() > 64) {
            throw uri.error("member " + entry.getName() + " of " + shard + " is " + entry.getSize()
                    + " bytes; a .cls member holds one integer");
        }
        String text;
        try (InputStream in = tar.getInputStream(entry)) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
        if (text.matches("\\+?[0-9]+")) { // a label, perhaps out of range: only its sample is refused
            String digits = text.replaceFirst("^\\+?0*", "");
            boolean inRange = digits.length() <= 6 && (digits.isEmpty() || Integer.parseInt(digits) < MAX_CLASSES);
            return inRange
                    ? new Label(digits.isEmpty() ? 0 : Integer.parseInt(digits), text)
                    : new Label(OUT_OF_RANGE, text);
        }
        throw uri.error("member " + entry.getName() + " of " + shard + " holds '" + text
                + "'; a .cls member holds an integer >= 0");
    }

    @Override
    protected int labelOf(int index) {
        checkLabel(index);
        return labels[index];
    }

    /** Throws BAD_LABEL for a sample whose {@code .cls} is at or above {@link #MAX_CLASSES}. */
    private void checkLabel(int index) {
        if (labels[index] == OUT_OF_RANGE) {
            throw new BadImageException(
                    uri(),
                    sampleName(index),
                    BadImageException.Reason.BAD_LABEL,
                    "its .cls holds " + badLabels.get(index) + "; labels must be below the limit of " + MAX_CLASSES
                            + " classes",
                    null);
        }
    }

    /** {@code shard.tar:key} of sample {@code index}, as a {@link BadImageException} names it. */
    String sampleName(int index) {
        return shards[shardOf[index]] + ":" + keys[index];
    }

    @Override
    protected void read(int index, byte[] dst, int offset) {
        String sample = sampleName(index);
        checkLabel(index);
        ImageDecoder.checkFileSize(sizes[index], uri(), sample);
        byte[] data = new byte[sizes[index]];
        try (FileChannel channel = FileChannel.open(shards[shardOf[index]], StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.wrap(data);
            long position = offsets[index];
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, position + buffer.position()) < 0) {
                    throw new BadImageException(
                            uri(),
                            sample,
                            BadImageException.Reason.UNREADABLE,
                            "the shard ends at byte " + (position + buffer.position())
                                    + ", inside the member (the shard changed since it was indexed)",
                            null);
                }
            }
        } catch (IOException e) {
            throw new BadImageException(
                    uri(), sample, BadImageException.Reason.UNREADABLE, "cannot read the member: " + e, e);
        }
        ImageDecoder.decodeInto(data, height(), dst, offset, uri(), sample);
    }
}
