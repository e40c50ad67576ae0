package io.twinview.core.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * CIFAR-10 in the official binary layout (https://www.cs.toronto.edu/~kriz/cifar.html): each file
 * is a sequence of 3073-byte records, 1 label byte (0..9) then 3072 pixel bytes, the 1024 R, then
 * the 1024 G, then the 1024 B values of a 32x32 image in row-major order (CHW). Files are
 * memory-mapped; {@link #readImage} interleaves the planes to HWC.
 */
final class Cifar10Dataset extends SquareImages {

    private static final Logger LOG = Logger.getLogger(Cifar10Dataset.class);

    static final String SCHEME = "cifar10";
    static final List<String> PARAMETERS = List.of("split", "batches");
    static final int SIDE = 32;
    static final int PLANE = SIDE * SIDE;
    static final int PIXEL_BYTES = 3 * PLANE;
    static final int RECORD_BYTES = 1 + PIXEL_BYTES;
    static final int CLASSES = 10;
    static final String TEST_FILE = "test_batch.bin";
    static final String META_FILE = "batches.meta.txt";
    /** Class names of CIFAR-10, used when the directory has no batches.meta.txt. */
    static final List<String> DEFAULT_CLASS_NAMES =
            List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");

    private static final Pattern DATA_BATCH = Pattern.compile("data_batch_(\\d+)\\.bin");
    private static final int MAX_RANGE = 10_000;
    private static final Pattern BATCH_RANGE = Pattern.compile("(\\d+)(?:-(\\d+))?");

    /** One read-only mapping per file; absolute gets only, so concurrent reads are safe. */
    private final ByteBuffer[] files;
    /** firstIndex[f] = dataset index of file f's first record; length files.length + 1. */
    private final int[] firstIndex;

    private final byte[] labels;

    private Cifar10Dataset(String uri, ByteBuffer[] files, int[] firstIndex, byte[] labels, List<String> classNames) {
        super(uri, SIDE, labels.length, classNames);
        this.files = files;
        this.firstIndex = firstIndex;
        this.labels = labels;
    }

    static Cifar10Dataset open(DatasetUri uri) {
        Layout layout = Layout.scan(uri);
        Selection selection = Selection.of(uri, layout);
        List<Path> paths = selection.files(layout);
        ByteBuffer[] files = new ByteBuffer[paths.size()];
        int[] firstIndex = new int[paths.size() + 1];
        long total = 0;
        for (int f = 0; f < paths.size(); f++) {
            files[f] = map(uri, paths.get(f));
            firstIndex[f] = (int) total;
            total += files[f].capacity() / RECORD_BYTES;
            if (total > Integer.MAX_VALUE) {
                throw uri.error("more than " + Integer.MAX_VALUE + " records in " + layout.dir);
            }
        }
        firstIndex[paths.size()] = (int) total;
        byte[] labels = new byte[(int) total];
        for (int f = 0; f < files.length; f++) {
            int records = firstIndex[f + 1] - firstIndex[f];
            for (int r = 0; r < records; r++) {
                int label = files[f].get(r * RECORD_BYTES) & 0xFF;
                if (label >= CLASSES) {
                    throw uri.error("record " + r + " of " + paths.get(f) + " has label " + label
                            + "; CIFAR-10 labels are 0..9 (is this a CIFAR-100 file?)");
                }
                labels[firstIndex[f] + r] = (byte) label;
            }
        }
        String canonical = selection.canonicalUri(layout);
        LOG.infof("Opened %s: %d images from %d file(s)", canonical, total, files.length);
        return new Cifar10Dataset(canonical, files, firstIndex, labels, readClassNames(uri, layout.dir));
    }

    /** The {@link Datasets#defaultSplits} rule for this scheme. */
    static EvalSplits defaultSplits(DatasetUri uri) {
        Layout layout = Layout.scan(uri);
        Selection chosen = Selection.of(uri, layout);
        String dir = layout.dir.toString();
        if (uri.params().isEmpty()) {
            if (layout.hasTest) {
                String train = Selection.train().canonicalUri(layout);
                return new EvalSplits(
                        train,
                        train,
                        Selection.test().canonicalUri(layout),
                        TEST_FILE + " present in " + dir + ": pre-training on split=train, evaluating on split=test");
            }
            if (layout.batches.size() < 2) {
                String train = Selection.train().canonicalUri(layout);
                return new EvalSplits(
                        train,
                        train,
                        null,
                        "no " + TEST_FILE + " and a single data_batch file in " + dir
                                + ": nothing to hold out, no evaluation test set");
            }
            int heldOut = layout.batches.lastKey();
            TreeSet<Integer> rest = new TreeSet<>(layout.batches.keySet());
            rest.remove(heldOut);
            String train = Selection.batches(rest).canonicalUri(layout);
            return new EvalSplits(
                    train,
                    train,
                    Selection.batches(List.of(heldOut)).canonicalUri(layout),
                    "no " + TEST_FILE + " in " + dir + ": holding out data_batch_" + heldOut
                            + " for evaluation, pre-training on data_batch_" + Selection.ranges(rest));
        }
        String train = chosen.canonicalUri(layout);
        if (layout.hasTest) {
            return new EvalSplits(
                    train,
                    train,
                    Selection.test().canonicalUri(layout),
                    "pre-training on " + chosen.describe() + ", evaluating on " + TEST_FILE);
        }
        TreeSet<Integer> unused = new TreeSet<>(layout.batches.keySet());
        unused.removeAll(chosen.batchNumbers(layout));
        if (!unused.isEmpty()) {
            int heldOut = unused.last();
            return new EvalSplits(
                    train,
                    train,
                    Selection.batches(List.of(heldOut)).canonicalUri(layout),
                    "no " + TEST_FILE + " in " + dir + ": evaluating on data_batch_" + heldOut
                            + ", the highest-numbered batch not pre-trained on");
        }
        return new EvalSplits(
                train,
                train,
                null,
                "no " + TEST_FILE + " in " + dir
                        + " and every data_batch file is pre-trained on: no evaluation test set");
    }

    @Override
    protected int labelOf(int index) {
        return labels[index];
    }

    @Override
    protected void read(int index, byte[] dst, int offset) {
        int f = Arrays.binarySearch(firstIndex, 0, files.length, index);
        if (f < 0) {
            f = -f - 2; // insertion point - 1: the file whose range holds index (no file is empty)
        }
        ByteBuffer file = files[f];
        int base = (index - firstIndex[f]) * RECORD_BYTES + 1;
        // CHW planes -> HWC: pixel p's R, G, B sit PLANE bytes apart in the record
        for (int p = 0, o = offset; p < PLANE; p++, o += 3) {
            dst[o] = file.get(base + p);
            dst[o + 1] = file.get(base + PLANE + p);
            dst[o + 2] = file.get(base + 2 * PLANE + p);
        }
    }

    private static ByteBuffer map(DatasetUri uri, Path path) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size == 0 || size % RECORD_BYTES != 0) {
                throw uri.error("file " + path + " is " + size + " bytes, not a positive multiple of " + RECORD_BYTES
                        + " (1 label byte + 3072 pixel bytes per CIFAR-10 record)");
            }
            if (size > Integer.MAX_VALUE) {
                throw uri.error("file " + path + " is " + size + " bytes; at most " + Integer.MAX_VALUE + " per file");
            }
            return channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
        } catch (IOException e) {
            throw new DatasetException("dataset URI '" + uri.text() + "': cannot read " + path + ": " + e, e);
        }
    }

    private static List<String> readClassNames(DatasetUri uri, Path dir) {
        Path meta = dir.resolve(META_FILE);
        if (!Files.isRegularFile(meta)) {
            return DEFAULT_CLASS_NAMES;
        }
        List<String> names;
        try (Stream<String> lines = Files.lines(meta, StandardCharsets.UTF_8)) {
            names = lines.map(String::strip).filter(s -> !s.isEmpty()).toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new DatasetException("dataset URI '" + uri.text() + "': cannot read " + meta + ": " + e, e);
        }
        if (names.size() != CLASSES) {
            throw uri.error(meta + " has " + names.size() + " non-blank lines; expected " + CLASSES
                    + " class names, one per line");
        }
        return names;
    }

    /** What a CIFAR-10 directory holds. */
    record Layout(Path dir, TreeMap<Integer, Path> batches, boolean hasTest) {

        static Layout scan(DatasetUri uri) {
            if (uri.path().isBlank()) {
                throw uri.error("no directory after 'cifar10:'; expected cifar10:DIR[?split=train|test|batches=...]");
            }
            Path dir;
            try {
                dir = Path.of(uri.path()).toAbsolutePath().normalize();
            } catch (InvalidPathException e) {
                throw uri.error("'" + uri.path() + "' is not a valid path: " + e.getMessage());
            }
            if (!Files.exists(dir)) {
                throw uri.error("directory " + dir + " does not exist");
            }
            if (!Files.isDirectory(dir)) {
                throw uri.error(dir + " is not a directory");
            }
            TreeMap<Integer, Path> batches = new TreeMap<>();
            try (Stream<Path> entries = Files.list(dir)) {
                for (Path p : (Iterable<Path>) entries::iterator) {
                    Matcher m = DATA_BATCH.matcher(p.getFileName().toString());
                    if (m.matches() && Files.isRegularFile(p)) {
                        int number = parseBatchNumber(uri, m.group(1));
                        Path previous = batches.put(number, p);
                        if (previous != null) {
                            throw uri.error("both " + previous.getFileName() + " and " + p.getFileName() + " in " + dir
                                    + " are batch " + number);
                        }
                    }
                }
            } catch (IOException | java.io.UncheckedIOException e) {
                throw new DatasetException("dataset URI '" + uri.text() + "': cannot list " + dir + ": " + e, e);
            }
            return new Layout(dir, batches, Files.isRegularFile(dir.resolve(TEST_FILE)));
        }

        String presentBatches() {
            return batches.isEmpty() ? "none" : "data_batch_" + Selection.ranges(batches.keySet());
        }
    }

    /** Which files of a {@link Layout} a URI selects: the whole train split, the test split, or listed batches. */
    record Selection(String split, List<Integer> batchList) {

        static Selection train() {
            return new Selection("train", null);
        }

        static Selection test() {
            return new Selection("test", null);
        }

        static Selection batches(java.util.Collection<Integer> numbers) {
            return new Selection(null, List.copyOf(new TreeSet<>(numbers)));
        }

        static Selection of(DatasetUri uri, Layout layout) {
            uri.requireOnly(PARAMETERS);
            Map<String, String> params = uri.params();
            String split = params.get("split");
            String batches = params.get("batches");
            Selection selection;
            if (split != null && batches != null) {
                throw uri.error("give either split or batches, not both");
            } else if (batches != null) {
                selection = batches(parseBatches(uri, batches));
            } else if (split == null || split.equals("train")) {
                selection = train();
            } else if (split.equals("test")) {
                selection = test();
            } else {
                throw uri.error("split='" + split + "' is not allowed; allowed: train, test");
            }
            selection.check(uri, layout);
            return selection;
        }

        private void check(DatasetUri uri, Layout layout) {
            if ("test".equals(split)) {
                if (!layout.hasTest) {
                    throw uri.error("split=test needs " + TEST_FILE + ", which is not in " + layout.dir + " (present: "
                            + layout.presentBatches() + ")");
                }
                return;
            }
            if (layout.batches.isEmpty()) {
                throw uri.error("no data_batch_*.bin files in " + layout.dir);
            }
            if (batchList != null) {
                List<Integer> missing = batchList.stream()
                        .filter(b -> !layout.batches.containsKey(b))
                        .toList();
                if (!missing.isEmpty()) {
                    throw uri.error("batches=" + ranges(batchList) + " asks for data_batch_" + ranges(missing)
                            + ", not in " + layout.dir + " (present: " + layout.presentBatches() + ")");
                }
            }
        }

        List<Integer> batchNumbers(Layout layout) {
            if ("test".equals(split)) {
                return List.of();
            }
            return batchList != null ? batchList : List.copyOf(layout.batches.keySet());
        }

        List<Path> files(Layout layout) {
            if ("test".equals(split)) {
                return List.of(layout.dir.resolve(TEST_FILE));
            }
            List<Path> paths = new ArrayList<>();
            for (int b : batchNumbers(layout)) {
                paths.add(layout.batches.get(b));
            }
            return paths;
        }

        String canonicalUri(Layout layout) {
            String query = split != null ? "split=" + split : "batches=" + ranges(batchList);
            return SCHEME + ":" + layout.dir + "?" + query;
        }

        String describe() {
            return split != null ? "split=" + split : "data_batch_" + ranges(batchList);
        }

        /** "1-3,5" for [1, 2, 3, 5]. */
        static String ranges(java.util.Collection<Integer> numbers) {
            StringBuilder sb = new StringBuilder();
            Integer start = null;
            Integer prev = null;
            for (int n : new TreeSet<>(numbers)) {
                if (prev != null && n == prev + 1) {
                    prev = n;
                    continue;
                }
                if (start != null) {
                    appendRange(sb, start, prev);
                }
                start = n;
                prev = n;
            }
            if (start != null) {
                appendRange(sb, start, prev);
            }
            return sb.toString();
        }

        private static void appendRange(StringBuilder sb, int start, int end) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(start);
            if (end > start) {
                sb.append('-').append(end);
            }
        }

        private static List<Integer> parseBatches(DatasetUri uri, String spec) {
            TreeSet<Integer> numbers = new TreeSet<>();
            for (String part : spec.split(",", -1)) {
                Matcher m = BATCH_RANGE.matcher(part.strip());
                if (!m.matches()) {
                    throw uri.error("batches='" + spec + "': '" + part + "' is not a batch number or range;"
                            + " allowed: comma-separated numbers and ranges such as 1-4, 5 or 1,3");
                }
                int from = parseBatchNumber(uri, m.group(1));
                int to = m.group(2) == null ? from : parseBatchNumber(uri, m.group(2));
                if (to < from) {
                    throw uri.error("batches='" + spec + "': range " + part + " runs backwards; write it low-high");
                }
                if (to - from >= MAX_RANGE) {
                    throw uri.error(
                            "batches='" + spec + "': range " + part + " spans more than " + MAX_RANGE + " batches");
                }
                for (int b = from; b <= to; b++) {
                    if (!numbers.add(b)) {
                        throw uri.error("batches='" + spec + "' names batch " + b + " twice");
                    }
                }
            }
            return List.copyOf(numbers);
        }
    }

    private static int parseBatchNumber(DatasetUri uri, String digits) {
        try {
            int n = Integer.parseInt(digits);
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // falls through to the error below
        }
        throw uri.error("batch number '" + digits + "' is not an integer >= 1");
    }
}
