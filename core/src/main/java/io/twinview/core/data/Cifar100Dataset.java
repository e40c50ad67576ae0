package io.twinview.core.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * CIFAR-100 in the official binary layout (https://www.cs.toronto.edu/~kriz/cifar.html, "CIFAR-100
 * binary version"): {@code train.bin} (50,000 records) and {@code test.bin} (10,000), each record
 * 3074 bytes: the coarse label (0..19), the fine label (0..99), then the 1024 R, 1024 G and 1024 B
 * values of a 32x32 image in row-major order (CHW). Labels are the fine ones; class names come
 * from {@code fine_label_names.txt} (one per line, as the archive ships it) when present, else the
 * standard 100 names. Files are memory-mapped; {@link #readImage} interleaves the planes to HWC.
 */
final class Cifar100Dataset extends SquareImages {

    private static final Logger LOG = Logger.getLogger(Cifar100Dataset.class);

    static final String SCHEME = "cifar100";
    static final String USAGE = "cifar100:DIR[?split=train|test]";
    static final int SIDE = 32;
    static final int PLANE = SIDE * SIDE;
    static final int RECORD_BYTES = 2 + 3 * PLANE;
    static final int CLASSES = 100;
    static final String NAMES_FILE = "fine_label_names.txt";
    /** The fine label names in label order, as fine_label_names.txt lists them. */
    static final List<String> DEFAULT_CLASS_NAMES = List.of(
            "apple",
            "aquarium_fish",
            "baby",
            "bear",
            "beaver",
            "bed",
            "bee",
            "beetle",
            "bicycle",
            "bottle",
            "bowl",
            "boy",
            "bridge",
            "bus",
            "butterfly",
            "camel",
            "can",
            "castle",
            "caterpillar",
            "cattle",
            "chair",
            "chimpanzee",
            "clock",
            "cloud",
            "cockroach",
            "couch",
            "crab",
            "crocodile",
            "cup",
            "dinosaur",
            "dolphin",
            "elephant",
            "flatfish",
            "forest",
            "fox",
            "girl",
            "hamster",
            "house",
            "kangaroo",
            "keyboard",
            "lamp",
            "lawn_mower",
            "leopard",
            "lion",
            "lizard",
            "lobster",
            "man",
            "maple_tree",
            "motorcycle",
            "mountain",
            "mouse",
            "mushroom",
            "oak_tree",
            "orange",
            "orchid",
            "otter",
            "palm_tree",
            "pear",
            "pickup_truck",
            "pine_tree",
            "plain",
            "plate",
            "poppy",
            "porcupine",
            "possum",
            "rabbit",
            "raccoon",
            "ray",
            "road",
            "rocket",
            "rose",
            "sea",
            "seal",
            "shark",
            "shrew",
            "skunk",
            "skyscraper",
            "snail",
            "snake",
            "spider",
            "squirrel",
            "streetcar",
            "sunflower",
            "sweet_pepper",
            "table",
            "tank",
            "telephone",
            "television",
            "tiger",
            "tractor",
            "train",
            "trout",
            "tulip",
            "turtle",
            "wardrobe",
            "whale",
            "willow_tree",
            "wolf",
            "woman",
            "worm");

    private final RecordFile file;
    private final byte[] labels;

    private Cifar100Dataset(String uri, RecordFile file, byte[] labels, List<String> classNames) {
        super(uri, SIDE, labels.length, classNames);
        this.file = file;
        this.labels = labels;
    }

    static Cifar100Dataset open(DatasetUri uri) {
        Path dir = LocalDir.of(uri, USAGE);
        String split = split(uri);
        Path path = dir.resolve(split + ".bin");
        if (!Files.isRegularFile(path)) {
            throw uri.error("split=" + split + " needs " + path.getFileName() + ", which is not in " + dir);
        }
        RecordFile file = RecordFile.map(
                uri, path, RECORD_BYTES, "coarse label byte + fine label byte + 3072 pixel bytes per CIFAR-100 record");
        byte[] labels = new byte[file.records()];
        for (int r = 0; r < labels.length; r++) {
            int coarse = file.get(r, 0) & 0xFF;
            int fine = file.get(r, 1) & 0xFF;
            if (coarse >= 20 || fine >= CLASSES) {
                throw uri.error("record " + r + " of " + path + " has coarse label " + coarse + " and fine label "
                        + fine + "; CIFAR-100 has 0..19 and 0..99 (is this a CIFAR-10 file?)");
            }
            labels[r] = (byte) fine;
        }
        List<String> names = LocalDir.names(uri, dir.resolve(NAMES_FILE), CLASSES);
        String canonical = canonical(dir, split);
        LOG.infof("Opened %s: %d images", canonical, labels.length);
        return new Cifar100Dataset(canonical, file, labels, names != null ? names : DEFAULT_CLASS_NAMES);
    }

    /** Train on {@code split}; score on test.bin when present. */
    static EvalSplits defaultSplits(DatasetUri uri) {
        Path dir = LocalDir.of(uri, USAGE);
        String train = canonical(dir, split(uri));
        if (Files.isRegularFile(dir.resolve("test.bin"))) {
            return new EvalSplits(
                    train, train, canonical(dir, "test"), "pre-training on " + train + ", evaluating on split=test");
        }
        return new EvalSplits(train, train, null, "no test.bin in " + dir + ": no evaluation test set");
    }

    private static String split(DatasetUri uri) {
        uri.requireOnly(List.of("split"));
        String split = uri.params().getOrDefault("split", "train");
        if (!split.equals("train") && !split.equals("test")) {
            throw uri.error("split='" + split + "' is not allowed; allowed: train, test");
        }
        return split;
    }

    private static String canonical(Path dir, String split) {
        return SCHEME + ":" + dir + "?split=" + split;
    }

    @Override
    protected int labelOf(int index) {
        return labels[index];
    }

    @Override
    protected void read(int index, byte[] dst, int offset) {
        // CHW planes after the 2 label bytes -> HWC
        for (int p = 0, o = offset; p < PLANE; p++, o += 3) {
            dst[o] = file.get(index, 2 + p);
            dst[o + 1] = file.get(index, 2 + PLANE + p);
            dst[o + 2] = file.get(index, 2 + 2 * PLANE + p);
        }
    }
}
