package io.twinview.core.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * STL-10 in the official binary layout (https://cs.stanford.edu/~acoates/stl10/, the
 * {@code stl10_binary} folder of stl10_binary.tar.gz; same reading as the reference
 * {@code stl10_input.py} and torchvision's {@code STL10}): {@code <split>_X.bin} holds 96x96x3
 * uint8 images back to back, each as 3 channel planes (R, G, B) stored column-major (the
 * MATLAB order: pixel (row y, column x) of channel c is byte {@code c*9216 + x*96 + y});
 * {@code <split>_y.bin} holds one label byte 1..10 per image, reported here as 0..9. Splits:
 * train (5,000 images), test (8,000) and unlabeled (100,000, no {@code _y} file). The unlabeled
 * split is {@link ImageDataset#labelled() unlabelled}: every label is
 * {@link ImageDataset#UNLABELLED} (-1), for pre-training only. Class names come from
 * {@code class_names.txt} when present, else the standard ten. Files are memory-mapped.
 */
final class Stl10Dataset extends SquareImages {

    private static final Logger LOG = Logger.getLogger(Stl10Dataset.class);

    static final String SCHEME = "stl10";
    static final String USAGE = "stl10:DIR[?split=train|test|unlabeled]";
    static final int SIDE = 96;
    static final int PLANE = SIDE * SIDE;
    static final int IMAGE_BYTES = 3 * PLANE;
    static final int CLASSES = 10;
    static final List<String> SPLITS = List.of("train", "test", "unlabeled");
    static final List<String> DEFAULT_CLASS_NAMES =
            List.of("airplane", "bird", "car", "cat", "deer", "dog", "horse", "monkey", "ship", "truck");

    private final RecordFile images;
    /** null for the unlabeled split. */
    private final byte[] labels;

    private Stl10Dataset(String uri, RecordFile images, byte[] labels, List<String> classNames) {
        super(uri, SIDE, images.records(), classNames);
        this.images = images;
        this.labels = labels;
    }

    static Stl10Dataset open(DatasetUri uri) {
        Path dir = LocalDir.of(uri, USAGE);
        String split = split(uri);
        Path imagesPath = dir.resolve(split + "_X.bin");
        if (!Files.isRegularFile(imagesPath)) {
            throw uri.error("split=" + split + " needs " + imagesPath.getFileName() + ", which is not in " + dir);
        }
        RecordFile images = RecordFile.map(uri, imagesPath, IMAGE_BYTES, "96x96x3 bytes per STL-10 image");
        byte[] labels = null;
        if (!split.equals("unlabeled")) {
            labels = readLabels(uri, dir.resolve(split + "_y.bin"), images.records());
        }
        List<String> names = LocalDir.names(uri, dir.resolve("class_names.txt"), CLASSES);
        String canonical = canonical(dir, split);
        LOG.infof("Opened %s: %d images", canonical, images.records());
        return new Stl10Dataset(canonical, images, labels, names != null ? names : DEFAULT_CLASS_NAMES);
    }

    /**
     * Pre-train on the split named, or without one on unlabeled (the STL-10 protocol) when
     * unlabeled_X.bin is present, else on train; fit probes on train (never on unlabeled) and score
     * them on test when present.
     */
    static EvalSplits defaultSplits(DatasetUri uri) {
        Path dir = LocalDir.of(uri, USAGE);
        boolean named = uri.params().containsKey("split");
        String split = split(uri);
        boolean hasUnlabeled = Files.isRegularFile(dir.resolve("unlabeled_X.bin"));
        boolean hasTrain = Files.isRegularFile(dir.resolve("train_X.bin"));
        boolean hasTest = Files.isRegularFile(dir.resolve("test_X.bin"));
        String pretrain = canonical(dir, named ? split : hasUnlabeled ? "unlabeled" : "train");
        String evalTrain = split.equals("test") && named ? canonical(dir, "test") : canonical(dir, "train");
        if (!hasTrain && !evalTrain.endsWith("=test")) {
            throw uri.error("no train_X.bin in " + dir + ": nothing labelled to fit the probes on");
        }
        String evalTest = hasTest ? canonical(dir, "test") : null;
        return new EvalSplits(
                pretrain,
                evalTrain,
                evalTest,
                "pre-training on " + pretrain.substring(pretrain.indexOf('?') + 1)
                        + ", fitting probes on " + evalTrain.substring(evalTrain.indexOf('?') + 1)
                        + (evalTest != null
                                ? ", evaluating on split=test"
                                : "; no test_X.bin in " + dir + ": no evaluation test set"));
    }

    private static byte[] readLabels(DatasetUri uri, Path path, int expected) {
        if (!Files.isRegularFile(path)) {
            throw uri.error("labels file " + path.getFileName() + " is not in " + path.getParent());
        }
        byte[] raw;
        try {
            raw = Files.readAllBytes(path);
        } catch (IOException e) {
            throw new DatasetException("dataset URI '" + uri.text() + "': cannot read " + path + ": " + e, e);
        }
        if (raw.length != expected) {
            throw uri.error(path + " holds " + raw.length + " labels for " + expected + " images");
        }
        byte[] labels = new byte[raw.length];
        for (int i = 0; i < raw.length; i++) {
            int label = raw[i] & 0xFF;
            if (label < 1 || label > CLASSES) {
                throw uri.error("label " + i + " of " + path + " is " + label + "; STL-10 labels on disk are 1..10");
            }
            labels[i] = (byte) (label - 1);
        }
        return labels;
    }

    private static String split(DatasetUri uri) {
        uri.requireOnly(List.of("split"));
        String split = uri.params().getOrDefault("split", "train");
        if (!SPLITS.contains(split)) {
            throw uri.error("split='" + split + "' is not allowed; allowed: " + String.join(", ", SPLITS));
        }
        return split;
    }

    private static String canonical(Path dir, String split) {
        return SCHEME + ":" + dir + "?split=" + split;
    }

    @Override
    public boolean labelled() {
        return labels != null;
    }

    @Override
    protected int labelOf(int index) {
        return labels == null ? UNLABELLED : labels[index];
    }

    @Override
    protected void read(int index, byte[] dst, int offset) {
        // column-major channel planes -> HWC; the inner loop walks the file sequentially
        for (int c = 0; c < 3; c++) {
            for (int x = 0; x < SIDE; x++) {
                int src = c * PLANE + x * SIDE;
                for (int y = 0; y < SIDE; y++) {
                    dst[offset + (y * SIDE + x) * 3 + c] = images.get(index, src + y);
                }
            }
        }
    }
}
