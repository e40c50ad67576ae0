package io.twinview.cli;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.twinview.core.data.Datasets;
import io.twinview.core.data.ImageDataset;
import io.twinview.model.Safetensors;
import io.twinview.proto.v1.EmbedImage;
import io.twinview.proto.v1.EmbedRequest;
import io.twinview.proto.v1.EmbedResponse;
import io.twinview.proto.v1.EmbedServiceGrpc;
import io.twinview.proto.v1.PixelLayout;
import io.twinview.proto.v1.RawImage;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Embeds a whole dataset with a run's encoder through the EmbedService (EmbedStream), so that its
 * numbers are the ones any other gRPC client gets: a safetensors file ({@code embeddings} N x D
 * float32, {@code labels} int64 when the set is labelled) and a CSV index beside it.
 */
@Command(
        name = "embed",
        mixinStandardHelpOptions = true,
        description = "Embed a dataset with a run's encoder into a safetensors file and a CSV index.")
final class EmbedCommand implements Callable<Integer> {

    /** Images per EmbedStream message, and messages in flight. */
    static final int CHUNK = 256;

    private static final int IN_FLIGHT = 4;

    @Option(names = "--run-id", required = true, description = "the run whose encoder embeds")
    String runId;

    @Option(
            names = "--step",
            defaultValue = "0",
            description = "checkpoint step, 0 for the newest, or 'best' (highest k-NN top-1 of its reports)")
    String step;

    @Option(names = "--dataset", required = true, description = "dataset URI, e.g. cifar10:/data/cifar?split=test")
    String dataset;

    @Option(names = "--out", required = true, description = "safetensors file to write; the CSV index goes beside it")
    Path out;

    @Option(
            names = "--eval",
            defaultValue = "127.0.0.1:9102",
            description = "eval-service gRPC address (default: ${DEFAULT-VALUE})")
    String eval;

    @Mixin
    ConnectionFlags connection;

    @Override
    public Integer call() throws IOException, InterruptedException {
        boolean best = step.equalsIgnoreCase("best");
        long stepNumber = best ? 0 : parseStep(step);
        ImageDataset data = Datasets.open(RunFlags.absolute(dataset));
        int n = data.size();
        float[][] rows = new float[n][];
        long[] stepSeen = {0};
        ManagedChannel channel = Grpc.channel(eval, connection.access(TwinviewCli.home()));
        long start = System.nanoTime();
        try {
            CompletableFuture<Void> done = new CompletableFuture<>();
            Semaphore window = new Semaphore(IN_FLIGHT);
            int[] received = {0};
            StreamObserver<EmbedRequest> requests = EmbedServiceGrpc.newStub(channel)
                    .withDeadlineAfter(24, TimeUnit.HOURS)
                    .embedStream(new StreamObserver<>() {
                        @Override
                        public void onNext(EmbedResponse response) {
                            for (int i = 0; i < response.getEmbeddingsCount(); i++) {
                                float[] row = new float[response.getDim()];
                                for (int j = 0; j < row.length; j++) {
                                    row[j] = response.getEmbeddings(i).getValues(j);
                                }
                                rows[received[0]++] = row;
                            }
                            stepSeen[0] = response.getStep();
                            progress(received[0], n, start);
                            window.release();
                        }

                        @Override
                        public void onError(Throwable t) {
                            done.completeExceptionally(t);
                            window.release(IN_FLIGHT);
                        }

                        @Override
                        public void onCompleted() {
                            done.complete(null);
                        }
                    });
            byte[] pixels = new byte[data.imageBytes()];
            for (int from = 0; from < n && !done.isDone(); from += CHUNK) {
                EmbedRequest.Builder request = EmbedRequest.newBuilder()
                        .setRunId(runId)
                        .setStep(stepNumber)
                        .setBest(best);
                for (int i = from; i < Math.min(n, from + CHUNK); i++) {
                    data.readImage(i, pixels, 0);
                    request.addImages(EmbedImage.newBuilder()
                            .setRaw(RawImage.newBuilder()
                                    .setData(ByteString.copyFrom(pixels))
                                    .setHeight(data.height())
                                    .setWidth(data.width())
                                    .setChannels(3)
                                    .setLayout(PixelLayout.PIXEL_LAYOUT_HWC)));
                }
                window.acquire();
                requests.onNext(request.build());
            }
            requests.onCompleted();
            try {
                done.get();
            } catch (ExecutionException e) {
                System.err.println();
                if (e.getCause() instanceof StatusRuntimeException s) {
                    System.err.println(Grpc.describe(s, "eval-service", eval));
                } else {
                    System.err.println("twinview embed: " + e.getCause());
                }
                return 1;
            }
        } finally {
            Grpc.close(channel);
        }
        System.err.println();
        long[] labels = null;
        if (data.labelled()) {
            labels = new long[n];
            for (int i = 0; i < n; i++) {
                labels[i] = data.label(i);
            }
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        writeEmbeddings(
                out,
                rows,
                labels,
                new TreeMap<>(Map.of("run_id", runId, "step", String.valueOf(stepSeen[0]), "dataset", data.uri())));
        Path index = indexFile(out);
        try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(index, StandardCharsets.UTF_8))) {
            csv.println("row,source,label");
            for (int i = 0; i < n; i++) {
                csv.println(i + "," + csvField(data.uri() + "#" + i) + "," + (labels == null ? "" : labels[i]));
            }
        }
        System.out.printf(
                "%d embeddings of %d floats (run %s step %d) -> %s, index %s%n",
                n, n == 0 ? 0 : rows[0].length, runId, stepSeen[0], out, index);
        return 0;
    }

    /**
     * Writes tensor {@code embeddings} (n, d) float32 and, for a labelled set, {@code labels} (n) int64.
     *
     * @param labels null for an unlabelled set
     */
    static void writeEmbeddings(Path file, float[][] rows, long[] labels, Map<String, String> metadata)
            throws IOException {
        int n = rows.length;
        int d = n == 0 ? 0 : rows[0].length;
        float[] flat = new float[n * d];
        for (int i = 0; i < n; i++) {
            System.arraycopy(rows[i], 0, flat, i * d, d);
        }
        Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>();
        tensors.put("embeddings", Safetensors.Tensor.f32(new long[] {n, d}, flat));
        if (labels != null) {
            tensors.put("labels", Safetensors.Tensor.i64(new long[] {n}, labels));
        }
        try (OutputStream stream = new BufferedOutputStream(Files.newOutputStream(file))) {
            Safetensors.write(stream, metadata, tensors);
        }
    }

    /** {@code FILE.safetensors} to {@code FILE.csv}; any other name gets {@code .csv} appended. */
    static Path indexFile(Path out) {
        String name = out.getFileName().toString();
        String base = name.endsWith(".safetensors") ? name.substring(0, name.length() - ".safetensors".length()) : name;
        return out.resolveSibling(base + ".csv");
    }

    private static long parseStep(String text) {
        try {
            long value = Long.parseLong(text);
            if (value >= 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException(
                "--step '" + text + "' is not a checkpoint step; give a step >= 1, 0 for the newest, or best");
    }

    private static String csvField(String text) {
        return text.contains(",") || text.contains("\"") ? "\"" + text.replace("\"", "\"\"") + "\"" : text;
    }

    private static void progress(int done, int total, long start) {
        double seconds = (System.nanoTime() - start) / 1e9;
        double rate = done / Math.max(seconds, 1e-9);
        int width = 30;
        int filled = total == 0 ? width : (int) ((long) width * done / total);
        long eta = rate > 0 ? Math.round((total - done) / rate) : 0;
        System.err.printf(
                "\rembedding [%s%s] %d/%d  %.0f img/s  ETA %d:%02d",
                "#".repeat(filled), " ".repeat(width - filled), done, total, rate, eta / 60, eta % 60);
        System.err.flush();
    }
}
