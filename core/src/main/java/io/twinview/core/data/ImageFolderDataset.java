package io.twinview.core.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * A folder of class sub-folders of JPEG and PNG files, the layout of torchvision's
 * {@code ImageFolder} (https://pytorch.org/vision/stable/generated/torchvision.datasets.ImageFolder.html):
 * {@code DIR/<class>/**}{@code /*.jpg|jpeg|png} (extension case ignored, searched recursively,
 * other files and hidden entries ignored). Classes are the sub-folder names in sorted order,
 * labels their positions. Images are listed at open, in sorted path order, and read, checked and
 * decoded on each {@link #readImage} by {@link ImageDecoder} (any size; grayscale, palette and
 * alpha images become RGB; shorter side resized to {@code ?size=} then centre-cropped). A bad
 * file fails only its own read, with a {@link BadImageException}.
 */
final class ImageFolderDataset extends SquareImages {

    private static final Logger LOG = Logger.getLogger(ImageFolderDataset.class);

    static final String SCHEME = "imagefolder";
    static final String USAGE = "imagefolder:DIR[?size=N]";
    /** Default output side: 96, STL-10's size, room for random-resized crops to 32..96. */
    static final int DEFAULT_SIZE = 96;

    static final int MIN_SIZE = 8;
    static final int MAX_SIZE = 1024;

    private final Path[] files;
    private final int[] labels;

    private ImageFolderDataset(String uri, int side, Path[] files, int[] labels, List<String> classNames) {
        super(uri, side, files.length, classNames);
        this.files = files;
        this.labels = labels;
    }

    static ImageFolderDataset open(DatasetUri uri) {
        Path dir = LocalDir.of(uri, USAGE);
        uri.requireOnly(List.of("size"));
        int side = size(uri);
        List<Path> classDirs;
        try (Stream<Path> entries = Files.list(dir)) {
            classDirs = entries.filter(Files::isDirectory)
                    .filter(p -> !hidden(p))
                    .sorted()
                    .toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new DatasetException("dataset URI '" + uri.text() + "': cannot list " + dir + ": " + e, e);
        }
        if (classDirs.isEmpty()) {
            throw uri.error("no class sub-folders in " + dir + "; expected DIR/<class>/<image>.jpg|png");
        }
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int c = 0; c < classDirs.size(); c++) {
            Path classDir = classDirs.get(c);
            names.add(classDir.getFileName().toString());
            List<Path> images;
            long room = (long) uri.limits().maxImages() - files.size();
            try (Stream<Path> walk = Files.walk(classDir)) {
                images = walk.filter(Files::isRegularFile)
                        .filter(ImageFolderDataset::isImageName)
                        .filter(p -> !hiddenBelow(classDir, p))
                        .limit(room + 1) // a path per image: stop listing as soon as there are too many
                        .sorted()
                        .toList();
            } catch (IOException | java.io.UncheckedIOException e) {
                throw new DatasetException("dataset URI '" + uri.text() + "': cannot list " + classDir + ": " + e, e);
            }
            if (images.size() > room) {
                throw uri.error("images: the folder holds more than "
                        + uri.limits().maxImages()
                        + " images (counted up to class " + classDir.getFileName()
                        + "); allowed: at most " + uri.limits().maxImages() + " (twinview.datasets.max-images)");
            }
            if (images.isEmpty()) {
                LOG.warnf("%s: class folder %s has no .jpg/.jpeg/.png files", uri.text(), classDir);
            }
            for (Path image : images) {
                files.add(image);
                labels.add(c);
            }
        }
        if (files.isEmpty()) {
            throw uri.error("no .jpg, .jpeg or .png files in the class folders of " + dir);
        }
        String canonical = SCHEME + ":" + dir + "?size=" + side;
        LOG.infof("Opened %s: %d images in %d classes", canonical, files.size(), names.size());
        return new ImageFolderDataset(
                canonical,
                side,
                files.toArray(Path[]::new),
                labels.stream().mapToInt(Integer::intValue).toArray(),
                List.copyOf(names));
    }

    /** No held-out split in one folder: pre-train and fit probes on it, no test set unless named. */
    static EvalSplits defaultSplits(DatasetUri uri) {
        String canonical = open(uri).uri();
        return new EvalSplits(
                canonical,
                canonical,
                null,
                "an image folder has no held-out split: pre-training and fitting probes on " + canonical
                        + "; name an evaluation test set (another imagefolder) for test scores");
    }

    static int size(DatasetUri uri) {
        String value = uri.params().get("size");
        if (value == null) {
            return DEFAULT_SIZE;
        }
        int max = Math.min(MAX_SIZE, uri.limits().maxImageSize());
        try {
            int side = Integer.parseInt(value);
            if (side >= MIN_SIZE && side <= max) {
                return side;
            }
        } catch (NumberFormatException e) {
            // falls through
        }
        throw uri.error("size='" + value + "' is not allowed; allowed: an integer in " + MIN_SIZE + ".." + max
                + " (twinview.datasets.max-image-size)");
    }

    static boolean isImageName(Path path) {
        String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".jpg") || name.endsWith(".jpeg") || name.endsWith(".png");
    }

    private static boolean hidden(Path path) {
        return path.getFileName().toString().startsWith(".");
    }

    private static boolean hiddenBelow(Path root, Path path) {
        for (Path part : root.relativize(path)) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    @Override
    protected int labelOf(int index) {
        return labels[index];
    }

    /** The file of image {@code index}. */
    Path file(int index) {
        return files[index];
    }

    @Override
    protected void read(int index, byte[] dst, int offset) {
        Path file = files[index];
        byte[] data;
        try {
            ImageDecoder.checkFileSize(Files.size(file), uri(), file.toString());
            data = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new BadImageException(
                    uri(), file.toString(), BadImageException.Reason.UNREADABLE, "cannot read: " + e, e);
        }
        ImageDecoder.decodeInto(data, height(), dst, offset, uri(), file.toString());
    }
}
