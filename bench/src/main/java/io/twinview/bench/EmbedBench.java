package io.twinview.bench;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.twinview.eval.embed.DynamicBatcher;
import io.twinview.eval.embed.EncoderCache;
import io.twinview.eval.embed.EncoderRef;
import io.twinview.eval.probe.FeatureExtractor;
import io.twinview.model.EncoderKind;
import io.twinview.model.Encoders;
import io.twinview.proto.v1.EmbedImage;
import io.twinview.proto.v1.EmbedRequest;
import io.twinview.proto.v1.EmbedResponse;
import io.twinview.proto.v1.EmbedServiceGrpc;
import io.twinview.proto.v1.PixelLayout;
import io.twinview.proto.v1.RawImage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Serving figures of the EmbedService: images/s, per-call p50/p99 latency and the mean forward batch for 1, 8 and
 * 32 concurrent callers (closed loop, one image per call), dynamic batching on and off, for the small encoder at 32
 * px and ResNet-18 (ImageNet stem) at 96 px.
 *
 * <p>By default through the service path a client meets: {@code Embed} over gRPC on loopback to eval-service
 * started from its fast-jar ({@link EmbedServer}), each encoder loaded from a random-init checkpoint in S3Proxy,
 * images sent as raw uint8 pixels. {@code --in-process} measures the {@link DynamicBatcher}, the
 * {@link EncoderCache} and {@link FeatureExtractor#features} alone in this JVM, without gRPC, storage or the
 * service's request checks: the difference between the two is what the service path costs.
 */
@Command(
        name = "embed",
        mixinStandardHelpOptions = true,
        description = "EmbedService serving: images/s, p50/p99 latency and mean forward batch for 1, 8, 32 callers,"
                + " batching on/off, small @ 32 px and resnet18 @ 96 px; through gRPC to eval-service (default)"
                + " or in process (--in-process).")
final class EmbedBench implements Callable<Integer> {

    /** The encoders the bench knows, by {@code --encoders} name: the two serving cases. */
    static final Map<String, Setup> SETUPS = setups();

    record Setup(EncoderKind kind, int imageSize) {}

    @Spec
    CommandSpec spec;

    @Option(
            names = "--seconds",
            defaultValue = "5",
            description = "measured seconds per row (default: ${DEFAULT-VALUE})")
    double seconds;

    @Option(
            names = "--warmup-seconds",
            defaultValue = "2",
            description = "unmeasured seconds before each row, with the row's callers (default: ${DEFAULT-VALUE})")
    double warmupSeconds;

    @Option(names = "--max-batch", defaultValue = "64", description = "twinview.eval.embed.max-batch")
    int maxBatch;

    @Option(names = "--max-delay-ms", defaultValue = "5", description = "twinview.eval.embed.max-delay in ms")
    long maxDelayMs;

    @Option(
            names = "--callers",
            split = ",",
            defaultValue = "1,8,32",
            description = "concurrent callers (default: ${DEFAULT-VALUE})")
    List<Integer> callers;

    @Option(
            names = "--batching",
            split = ",",
            defaultValue = "on,off",
            description = "twinview.eval.embed.batching settings to measure, on and/or off (default: ${DEFAULT-VALUE})")
    List<String> batching;

    @Option(
            names = "--encoders",
            split = ",",
            defaultValue = "small,resnet18",
            description = "small (32 px) and/or resnet18 (resnet18-imagenet, 96 px) (default: ${DEFAULT-VALUE})")
    List<String> encoders;

    @Option(
            names = "--in-process",
            description = "measure the batcher, encoder cache and forward pass in this JVM: no gRPC, no storage")
    boolean inProcess;

    private PrintWriter out;

    @Override
    public Integer call() throws Exception {
        List<Setup> setups = checkOptions();
        List<Boolean> modes = batching.stream().map(b -> b.equals("on")).toList();
        out = spec.commandLine().getOut();
        int cores = Runtime.getRuntime().availableProcessors();
        String common = "one image per call (" + String.join(", ", encoders) + "), closed loop, callers "
                + callers + "; max-batch " + maxBatch + ", max-delay " + maxDelayMs + " ms; warm-up "
                + warmupSeconds + " s then " + seconds + " s per row; " + cores + " cores";
        if (inProcess) {
            out.println("EmbedService serving bench, in process: DynamicBatcher + EncoderCache + FeatureExtractor,"
                    + " randomly initialised encoders, no gRPC, no storage, no request checks; " + common);
            printHeader();
            runInProcess(setups, modes);
        } else {
            Path home = Path.of(System.getProperty("twinview.home", "."))
                    .toAbsolutePath()
                    .normalize();
            out.println("EmbedService serving bench: gRPC Embed on loopback (plaintext, no TLS; bearer token), one"
                    + " channel per caller, to eval-service started from its fast-jar (a fresh JVM per batching"
                    + " setting, each measured alone), encoders from random-init checkpoints in S3Proxy, raw uint8 HWC pixels; "
                    + common);
            out.flush();
            runService(home, setups, modes);
        }
        out.flush();
        return 0;
    }

    private List<Setup> checkOptions() {
        if (!(seconds > 0)) {
            throw new IllegalArgumentException("--seconds is " + seconds + "; give a positive number of seconds");
        }
        if (!(warmupSeconds >= 0)) {
            throw new IllegalArgumentException("--warmup-seconds is " + warmupSeconds + "; give 0 or more seconds");
        }
        if (maxBatch < 1) {
            throw new IllegalArgumentException("--max-batch is " + maxBatch + "; at least 1 image per forward pass");
        }
        if (maxDelayMs < 0) {
            throw new IllegalArgumentException("--max-delay-ms is " + maxDelayMs + "; 0 or more milliseconds");
        }
        for (int n : callers) {
            if (n < 1) {
                throw new IllegalArgumentException("--callers has " + n + "; every entry is at least 1 caller");
            }
        }
        for (String b : batching) {
            if (!b.equals("on") && !b.equals("off")) {
                throw new IllegalArgumentException("--batching has '" + b + "'; allowed: on, off");
            }
        }
        List<Setup> setups = new ArrayList<>();
        for (String name : encoders) {
            Setup setup = SETUPS.get(name);
            if (setup == null) {
                throw new IllegalArgumentException(
                        "--encoders has '" + name + "'; allowed: " + String.join(", ", SETUPS.keySet()));
            }
            setups.add(setup);
        }
        return setups;
    }

    private void runService(Path home, List<Setup> setups, List<Boolean> modes) throws Exception {
        try (EmbedServer server = EmbedServer.start(home)) {
            // every setting's eval-service boots while the checkpoints are written; each is measured alone
            Map<Boolean, EmbedServer.Eval> evals = new LinkedHashMap<>();
            for (boolean on : modes) {
                evals.put(on, server.startEval(on, maxBatch, Duration.ofMillis(maxDelayMs)));
            }
            Map<Setup, String> runs = new LinkedHashMap<>();
            for (Setup setup : setups) {
                runs.put(setup, server.writeCheckpoint(setup.kind(), setup.imageSize()));
            }
            printHeader();
            for (Map.Entry<Boolean, EmbedServer.Eval> entry : evals.entrySet()) {
                try (EmbedServer.Eval eval = entry.getValue()) {
                    eval.awaitReady();
                    for (Setup setup : setups) {
                        EmbedRequest request = EmbedRequest.newBuilder()
                                .setRunId(runs.get(setup))
                                .setStep(EmbedServer.STEP)
                                .addImages(EmbedImage.newBuilder()
                                        .setRaw(RawImage.newBuilder()
                                                .setData(ByteString.copyFrom(image(setup.imageSize())))
                                                .setHeight(setup.imageSize())
                                                .setWidth(setup.imageSize())
                                                .setChannels(3)
                                                .setLayout(PixelLayout.PIXEL_LAYOUT_HWC)))
                                .build();
                        rows(setup, entry.getKey(), () -> new GrpcCall(eval, request));
                    }
                }
            }
        }
    }

    /** One caller's connection: a blocking {@code Embed} of one image per call. */
    private static final class GrpcCall implements EmbedLoad.Call, AutoCloseable {
        private final ManagedChannel channel;
        private final EmbedServiceGrpc.EmbedServiceBlockingStub stub;
        private final EmbedRequest request;

        GrpcCall(EmbedServer.Eval eval, EmbedRequest request) {
            this.channel = eval.channel();
            this.stub = EmbedServiceGrpc.newBlockingStub(channel).withCallCredentials(eval.credentials());
            this.request = request;
        }

        @Override
        public int embedOne() {
            EmbedResponse response = stub.withDeadlineAfter(5, TimeUnit.MINUTES).embed(request);
            if (response.getEmbeddingsCount() != 1) {
                throw new IllegalStateException(
                        "Embed of one image answered " + response.getEmbeddingsCount() + " embeddings");
            }
            return response.getForwardBatch();
        }

        @Override
        public void close() throws InterruptedException {
            channel.shutdown();
            if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
                channel.shutdownNow();
            }
        }
    }

    private void runInProcess(List<Setup> setups, List<Boolean> modes) throws Exception {
        for (Setup setup : setups) {
            EncoderRef ref = new EncoderRef("bench", 1, setup.kind(), 0, setup.imageSize());
            byte[] image = image(setup.imageSize());
            try (EncoderCache cache = new EncoderCache(1)) {
                DynamicBatcher.Forward forward = (encoder, pixels, count) -> {
                    EncoderCache.Loaded loaded = cache.get(
                            encoder, m -> Encoders.create(encoder.encoder(), encoder.seed(), encoder.imageSize(), m));
                    return FeatureExtractor.features(
                            loaded.block(), pixels, count, encoder.imageSize(), encoder.imageSize(), loaded.manager());
                };
                for (boolean on : modes) {
                    try (DynamicBatcher batcher =
                            new DynamicBatcher(forward, on, maxBatch, Duration.ofMillis(maxDelayMs))) {
                        rows(
                                setup,
                                on,
                                () -> () -> batcher.submit(ref, List.of(image))
                                        .get(5, TimeUnit.MINUTES)
                                        .forwardBatch());
                    }
                }
            }
        }
    }

    /** Makes one caller's {@link EmbedLoad.Call} (a gRPC caller: its own channel, closed after its row). */
    @FunctionalInterface
    private interface Caller {
        EmbedLoad.Call open();
    }

    /**
     * For every caller count: its callers opened, a warm-up, a measured row; then the callers closed. Before the
     * first row a warm-up with the most callers: the encoder loaded and a fresh JVM's hot paths compiled.
     */
    private void rows(Setup setup, boolean on, Caller caller) throws Exception {
        if (warmupSeconds > 0) {
            measure(caller, Collections.max(callers), 0, warmupSeconds);
        }
        for (int n : callers) {
            EmbedLoad.Row row = measure(caller, n, warmupSeconds, seconds);
            out.println(String.format(
                    Locale.ROOT,
                    "%-17s %5d %-8s %7d %10.1f %9.2f %9.2f %9.2f",
                    setup.kind().key(),
                    setup.imageSize(),
                    on ? "on" : "off",
                    n,
                    row.imagesPerSecond(),
                    row.p50Ms(),
                    row.p99Ms(),
                    row.meanForwardBatch()));
            out.flush();
        }
    }

    /** {@code n} callers opened, {@code warmup} seconds unmeasured, then {@code seconds} measured; closed. */
    private static EmbedLoad.Row measure(Caller caller, int n, double warmup, double seconds) throws Exception {
        List<EmbedLoad.Call> calls = new ArrayList<>();
        try {
            for (int c = 0; c < n; c++) {
                calls.add(caller.open());
            }
            if (warmup > 0) {
                // connections up, and PyTorch's first passes at the batch sizes this row meets
                EmbedLoad.run(calls, warmup);
            }
            return EmbedLoad.run(calls, seconds);
        } finally {
            for (EmbedLoad.Call call : calls) {
                if (call instanceof AutoCloseable closeable) {
                    closeable.close();
                }
            }
        }
    }

    private void printHeader() {
        out.println(String.format(
                Locale.ROOT,
                "%-17s %5s %-8s %7s %10s %9s %9s %9s",
                "encoder",
                "px",
                "batching",
                "callers",
                "images/s",
                "p50 ms",
                "p99 ms",
                "fwd batch"));
        out.flush();
    }

    /** A random HWC RGB image of {@code size} x {@code size}, the same for every call. */
    private static byte[] image(int size) {
        byte[] image = new byte[size * size * 3];
        new Random(1).nextBytes(image);
        return image;
    }

    private static Map<String, Setup> setups() {
        Map<String, Setup> setups = new LinkedHashMap<>();
        setups.put("small", new Setup(EncoderKind.SMALL, 32));
        setups.put("resnet18", new Setup(EncoderKind.RESNET18_IMAGENET, 96));
        return java.util.Collections.unmodifiableMap(setups);
    }
}
