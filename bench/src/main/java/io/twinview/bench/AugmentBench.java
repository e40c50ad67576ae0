package io.twinview.bench;

import com.google.protobuf.ByteString;
import io.twinview.augment.TwoViewAugmenter;
import io.twinview.augment.kafka.PolicyMapper;
import io.twinview.augment.op.BilinearResize;
import io.twinview.augment.op.CropBox;
import io.twinview.core.augment.AugmentRecipes;
import io.twinview.core.data.Datasets;
import io.twinview.core.data.ImageDataset;
import io.twinview.core.kafka.Topics;
import io.twinview.proto.AugmentSchema;
import io.twinview.proto.v1.AugmentRecipe;
import io.twinview.proto.v1.ViewBatch;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.TimestampType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What one augment worker core delivers: views per second of {@link TwoViewAugmenter} for each
 * recipe and size on one thread from decoded images in memory, JPEG decode plus augment at
 * 224 px, and the bytes a view costs on the views topic under each Kafka compression.
 *
 * <p>Sources are the dataset's images (32 px CIFAR by default), upscaled bilinearly for larger
 * sizes; each size uses the recipe variant a run of that size resolves to
 * ({@link AugmentRecipes#resolve(AugmentRecipe, int)}: no blur up to 64 px). Upscaled sources
 * are smoother than photographs, so their JPEG and compressed Kafka sizes are optimistic.
 */
@Command(
        name = "augment",
        mixinStandardHelpOptions = true,
        description =
                "Augment views/s per core (one thread) for each recipe at each size, JPEG decode + augment at 224 px,"
                        + " and Kafka bytes per view with compression none/lz4/zstd.")
final class AugmentBench implements Callable<Integer> {

    private static final List<String> COMPRESSIONS = List.of("none", "lz4", "zstd");
    private static final int JPEG_SIZE = 224;

    @Option(
            names = "--dataset",
            description = "source images (default: the CIFAR-10 subset in ../shared when present, else synthetic:)")
    String dataset;

    @Option(
            names = "--recipes",
            split = ",",
            defaultValue = "simclr,mocov1,mocov2,byol",
            description = "recipes to measure (default: ${DEFAULT-VALUE})")
    List<String> recipes;

    @Option(
            names = "--sizes",
            split = ",",
            defaultValue = "32,96,224",
            description = "view sides in pixels (default: ${DEFAULT-VALUE})")
    List<Integer> sizes;

    @Option(
            names = "--sources",
            defaultValue = "256",
            description = "distinct source images cycled through (default: ${DEFAULT-VALUE})")
    int sources;

    @Option(
            names = "--seconds",
            defaultValue = "3",
            description = "measured time per figure, after a warm-up of half that (default: ${DEFAULT-VALUE})")
    double seconds;

    @Option(names = "--json", description = "end with one JSON line holding every figure")
    boolean json;

    /** Decoded source images of one size, uint8 HWC RGB. */
    private record Sources(int size, byte[][] images) {}

    @Override
    public Integer call() {
        if (!(seconds > 0) || sources < 1) {
            throw new IllegalArgumentException(
                    "--seconds must be > 0 and --sources >= 1, got " + seconds + " and " + sources);
        }
        String uri = dataset != null ? dataset : TrainerBench.defaultDataset();
        ImageDataset images = Datasets.open(uri);
        System.out.printf(
                Locale.ROOT,
                "augment bench: %d sources from %s (%dx%d), ONE thread = one core (%d cores here),"
                        + " %.1f s per figure, per-core figures per second of CPU time, load average %s%n",
                Math.min(sources, images.size()),
                uri,
                images.height(),
                images.width(),
                Runtime.getRuntime().availableProcessors(),
                seconds,
                loadAverage());
        if (images.height()
                < Math.max(
                        JPEG_SIZE,
                        sizes.stream().mapToInt(Integer::intValue).max().orElse(0))) {
            System.out.printf(
                    Locale.ROOT,
                    "  larger sizes use sources upscaled bilinearly from %d px: smoother than photographs,"
                            + " so JPEG and compressed Kafka sizes are optimistic%n",
                    images.height());
        }
        Map<String, Object> figures = new LinkedHashMap<>();
        for (int size : sizes) {
            Sources from = sources(images, size);
            for (String name : recipes) {
                TwoViewAugmenter augmenter = augmenter(name, size);
                double viewsPerSecond = viewsPerSecond(augmenter, from);
                System.out.printf(
                        Locale.ROOT,
                        "  %-7s %3d px  %,9.0f views/s/core  (%6.1f us CPU per view; on a CPU %.0f%% of the time)%n",
                        name,
                        size,
                        viewsPerSecond,
                        1e6 / viewsPerSecond,
                        100 * lastCpuShare);
                figures.put(name + "_" + size + "_views_per_s_per_core", Math.round(viewsPerSecond));
            }
        }

        Sources jpegSources = sources(images, JPEG_SIZE);
        List<byte[]> jpegs = encodeJpegs(jpegSources);
        double jpegBytes = jpegs.stream().mapToInt(j -> j.length).average().orElse(0);
        double jpegViews = jpegViewsPerSecond(augmenter("simclr", JPEG_SIZE), jpegs);
        System.out.printf(
                Locale.ROOT,
                "  jpeg    %3d px  %,9.0f views/s/core  decode (ImageIO) + simclr augment, %.0f bytes per JPEG%n",
                JPEG_SIZE,
                jpegViews,
                jpegBytes);
        figures.put("jpeg_" + JPEG_SIZE + "_decode_augment_views_per_s_per_core", Math.round(jpegViews));
        figures.put("jpeg_" + JPEG_SIZE + "_bytes_per_image", Math.round(jpegBytes));

        for (int size : sizes) {
            byte[][] views = simclrViews(sources(images, size));
            int perRecord = Topics.maxSamplesPerViewBatch(size);
            StringBuilder line = new StringBuilder(String.format(
                    Locale.ROOT,
                    "  kafka   %3d px  bytes per view on the wire (%d samples per ViewBatch record):",
                    size,
                    perRecord));
            for (String compression : COMPRESSIONS) {
                double bytes = kafkaBytesPerView(views, size, perRecord, compression);
                line.append(String.format(Locale.ROOT, "  %s %,.0f", compression, bytes));
                figures.put("kafka_bytes_per_view_" + size + "_" + compression, Math.round(bytes));
            }
            System.out.println(line + String.format(Locale.ROOT, "  (raw view %,d)", size * size * 3));
        }
        if (json) {
            System.out.println(figures.entrySet().stream()
                    .map(e -> "\"" + e.getKey() + "\":" + e.getValue())
                    .collect(Collectors.joining(",", "{", "}")));
        }
        return 0;
    }

    private static TwoViewAugmenter augmenter(String recipe, int size) {
        AugmentRecipe resolved = AugmentRecipes.resolve(
                AugmentRecipe.newBuilder().setName(recipe).build(), size);
        return new TwoViewAugmenter(PolicyMapper.toDomain(resolved, size), size);
    }

    /** The first {@code sources} images of the dataset at {@code size} px: as stored, or bilinearly resized. */
    private Sources sources(ImageDataset images, int size) {
        int n = Math.min(sources, images.size());
        byte[] raw = new byte[images.imageBytes()];
        BilinearResize resize = new BilinearResize();
        byte[][] out = new byte[n][];
        for (int i = 0; i < n; i++) {
            images.readImage(i, raw, 0);
            if (images.height() == size && images.width() == size) {
                out[i] = raw.clone();
            } else {
                out[i] = new byte[size * size * 3];
                resize.resize(
                        raw, 0, images.width(), CropBox.full(images.height(), images.width()), out[i], 0, size, size);
            }
        }
        return new Sources(size, out);
    }

    /** Views per second on this thread: two per sample, sources cycled, epoch advancing per cycle. */
    private double viewsPerSecond(TwoViewAugmenter augmenter, Sources from) {
        byte[] view1 = new byte[augmenter.viewBytes()];
        byte[] view2 = new byte[augmenter.viewBytes()];
        int size = from.size();
        long[] count = {0};
        Runnable one = () -> {
            long sample = count[0]++;
            int index = (int) (sample % from.images().length);
            augmenter.augment(
                    from.images()[index], 0, size, size, index, 42, sample / from.images().length, view1, 0, view2, 0);
        };
        return 2 * samplesPerSecond(one);
    }

    /**
     * Calls of {@code one} per second of this thread's CPU time, over {@link #seconds} of wall
     * time after a warm-up of half that (JIT). CPU time, not wall time, is what makes it a
     * per-core figure on a shared machine: time the scheduler gives other processes is not
     * counted (their cache and memory traffic still slows ours). Where the JVM cannot measure
     * thread CPU time, wall time.
     */
    private double samplesPerSecond(Runnable one) {
        long warmEnd = System.nanoTime() + (long) (seconds * 0.5e9);
        while (System.nanoTime() < warmEnd) {
            one.run();
        }
        long start = System.nanoTime();
        long cpuStart = cpuNanos();
        long end = start + (long) (seconds * 1e9);
        long calls = 0;
        long now;
        do {
            for (int i = 0; i < 8; i++) {
                one.run();
            }
            calls += 8;
            now = System.nanoTime();
        } while (now < end);
        long cpu = cpuNanos() - cpuStart;
        lastCpuShare = cpuStart < 0 ? 1 : cpu / (double) (now - start);
        return calls / ((cpuStart < 0 ? now - start : cpu) / 1e9);
    }

    /** Fraction of wall time this thread was on a CPU during the last measurement. */
    private double lastCpuShare = 1;

    private static long cpuNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        return threads.isCurrentThreadCpuTimeSupported() ? threads.getCurrentThreadCpuTime() : -1;
    }

    private static List<byte[]> encodeJpegs(Sources from) {
        List<byte[]> jpegs = new ArrayList<>();
        int size = from.size();
        for (byte[] rgb : from.images()) {
            BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_3BYTE_BGR);
            byte[] bgr = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
            for (int p = 0; p < rgb.length; p += 3) {
                bgr[p] = rgb[p + 2];
                bgr[p + 1] = rgb[p + 1];
                bgr[p + 2] = rgb[p];
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try {
                if (!ImageIO.write(image, "jpg", out)) {
                    throw new IllegalStateException("this JRE has no JPEG writer");
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            jpegs.add(out.toByteArray());
        }
        return jpegs;
    }

    /** Decode (ImageIO, to RGB bytes) and augment, per second on this thread: two views per JPEG. */
    private double jpegViewsPerSecond(TwoViewAugmenter augmenter, List<byte[]> jpegs) {
        byte[] view1 = new byte[augmenter.viewBytes()];
        byte[] view2 = new byte[augmenter.viewBytes()];
        byte[] rgb = new byte[JPEG_SIZE * JPEG_SIZE * 3];
        long[] count = {0};
        Runnable one = () -> {
            long sample = count[0]++;
            int index = (int) (sample % jpegs.size());
            decodeRgb(jpegs.get(index), rgb);
            augmenter.augment(rgb, 0, JPEG_SIZE, JPEG_SIZE, index, 42, sample / jpegs.size(), view1, 0, view2, 0);
        };
        return 2 * samplesPerSecond(one);
    }

    /** Decodes a JPEG_SIZE square JPEG into uint8 HWC RGB. */
    private static void decodeRgb(byte[] jpeg, byte[] rgb) {
        BufferedImage image;
        try {
            image = ImageIO.read(new ByteArrayInputStream(jpeg));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (image.getType() == BufferedImage.TYPE_3BYTE_BGR) {
            byte[] bgr = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
            for (int p = 0; p < rgb.length; p += 3) {
                rgb[p] = bgr[p + 2];
                rgb[p + 1] = bgr[p + 1];
                rgb[p + 2] = bgr[p];
            }
        } else {
            for (int y = 0, p = 0; y < JPEG_SIZE; y++) {
                for (int x = 0; x < JPEG_SIZE; x++, p += 3) {
                    int argb = image.getRGB(x, y);
                    rgb[p] = (byte) (argb >> 16);
                    rgb[p + 1] = (byte) (argb >> 8);
                    rgb[p + 2] = (byte) argb;
                }
            }
        }
    }

    /** simclr views of every source: element 0 all view 1s, element 1 all view 2s, sample i at i * viewBytes. */
    private static byte[][] simclrViews(Sources from) {
        TwoViewAugmenter augmenter = augmenter("simclr", from.size());
        int n = from.images().length;
        int bytes = augmenter.viewBytes();
        byte[] view1 = new byte[n * bytes];
        byte[] view2 = new byte[n * bytes];
        for (int i = 0; i < n; i++) {
            augmenter.augment(
                    from.images()[i], 0, from.size(), from.size(), i, 42, 0, view1, i * bytes, view2, i * bytes);
        }
        return new byte[][] {view1, view2};
    }

    /**
     * Size of the Kafka record batches (magic v2, headers included) that carry these views as
     * serialized ViewBatch records of {@code perRecord} samples, divided by the views carried. Each
     * record is its own batch: a ViewBatch is far above the producer's 16 KiB batch.size, so the
     * producer sends it alone, and compression works within one record.
     */
    private static double kafkaBytesPerView(byte[][] views, int size, int perRecord, String compression) {
        int bytes = size * size * 3;
        int n = views[0].length / bytes;
        long wire = 0;
        byte[] key = "bench-run".getBytes(StandardCharsets.UTF_8);
        for (int first = 0, sequence = 0; first < n; first += perRecord, sequence++) {
            int count = Math.min(perRecord, n - first);
            ViewBatch.Builder batch = ViewBatch.newBuilder()
                    .setSchemaVersion(AugmentSchema.VERSION)
                    .setRunId("bench-run")
                    .setEpoch(0)
                    .setTaskId(first / 256)
                    .setSequence(sequence)
                    .setBatchCount((n + perRecord - 1) / perRecord)
                    .setHeight(size)
                    .setWidth(size)
                    .setChannels(3)
                    .setView1(ByteString.copyFrom(views[0], first * bytes, count * bytes))
                    .setView2(ByteString.copyFrom(views[1], first * bytes, count * bytes))
                    .setWorkerId("bench-worker");
            for (int i = 0; i < count; i++) {
                batch.addSampleIndices(first + i);
            }
            byte[] value = batch.build().toByteArray();
            MemoryRecordsBuilder builder = MemoryRecords.builder(
                    ByteBuffer.allocate(1024), Compression.of(compression).build(), TimestampType.CREATE_TIME, 0L);
            builder.append(System.currentTimeMillis(), key, value);
            MemoryRecords records = builder.build();
            wire += records.sizeInBytes();
        }
        return wire / (2.0 * n);
    }

    private static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
