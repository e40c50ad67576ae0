package io.twinview.bench;

import ai.djl.ndarray.NDManager;
import com.google.protobuf.util.Timestamps;
import io.grpc.CallCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.twinview.cli.Pipeline;
import io.twinview.cli.ServiceJars;
import io.twinview.core.checkpoint.CheckpointStore;
import io.twinview.core.grpc.BearerToken;
import io.twinview.core.storage.ObjectStore;
import io.twinview.core.storage.StorageSettings;
import io.twinview.model.BlockParameters;
import io.twinview.model.EncoderKind;
import io.twinview.model.Encoders;
import io.twinview.proto.v1.CheckpointManifest;
import io.twinview.proto.v1.RunSpec;
import io.twinview.stack.JavaProcess;
import io.twinview.stack.LocalStack;
import io.twinview.stack.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The EmbedService as it runs, for {@link EmbedBench}: a local stack (Kafka and S3Proxy, {@link LocalStack}),
 * random-init checkpoints written as the trainer writes them ({@link CheckpointStore}), and eval-service started
 * from its Quarkus fast-jar as a child JVM, as {@code ./twinview up} starts it, with its gRPC server on loopback
 * (plaintext, a reader bearer token). One eval-service per batching setting (the setting is read at start).
 */
final class EmbedServer implements AutoCloseable {

    /** The step of every bench checkpoint. */
    static final long STEP = 1;

    private static final Duration SERVICE_START = Duration.ofMinutes(3);

    private final Path home;
    private final Path work;
    private final LocalStack stack;
    private final Path tokenFile;
    private final String token;
    private final List<Eval> evals = new ArrayList<>();

    private EmbedServer(Path home, Path work, LocalStack stack, Path tokenFile, String token) {
        this.home = home;
        this.work = work;
        this.stack = stack;
        this.tokenFile = tokenFile;
        this.token = token;
    }

    /**
     * Starts Kafka and S3Proxy under a fresh temporary folder, deleted by {@link #close()}.
     *
     * @param home the built checkout ({@code eval-service/target/quarkus-app} is found there)
     */
    static EmbedServer start(Path home) {
        ServiceJars.in(home); // names a missing jar before anything starts
        Path work;
        try {
            work = Files.createTempDirectory("twinview-bench-embed-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        LocalStack stack = LocalStack.start(LocalStack.Options.in(work.resolve("stack")));
        try {
            byte[] random = new byte[24];
            new SecureRandom().nextBytes(random);
            String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            Path tokenFile = work.resolve("grpc-tokens");
            Files.writeString(tokenFile, "reader " + token + "\n");
            return new EmbedServer(home, work, stack, tokenFile, token);
        } catch (IOException | RuntimeException e) {
            stack.close();
            TempDirs.deleteQuietly(work);
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    /**
     * Writes a checkpoint of a run with {@code kind} at {@code imageSize}, its encoder as {@link Encoders#create}
     * initialises it for seed 1: a manifest holding the run's spec and the encoder's parameters, in the trainer's
     * format (EmbeddingService reads nothing else of a run to serve it).
     *
     * @return the run id
     */
    String writeCheckpoint(EncoderKind kind, int imageSize) {
        String runId = "bench-embed-" + kind.key() + "-" + imageSize;
        RunSpec spec = RunSpec.newBuilder()
                .setMethod("simclr")
                .setEncoder(kind.key())
                .setSeed(1)
                .setImageSize(imageSize)
                .setDatasetUri("synthetic:?n=256")
                .build();
        byte[] encoder;
        try (NDManager manager = NDManager.newBaseManager()) {
            encoder = BlockParameters.toBytes(Encoders.create(kind, spec.getSeed(), imageSize, manager));
        }
        CheckpointManifest manifest = CheckpointManifest.newBuilder()
                .setRunId(runId)
                .setStep(STEP)
                .setSpec(spec)
                .setCreatedAt(Timestamps.fromMillis(System.currentTimeMillis()))
                .build();
        try (ObjectStore store = new ObjectStore(storage())) {
            store.ensureBucket();
            new CheckpointStore(store).write(manifest, Map.of("encoder", encoder));
        }
        return runId;
    }

    /**
     * Starts an eval-service with {@code twinview.eval.embed.batching}, {@code max-batch} and {@code max-delay}, on
     * its own ports, and returns at once: several may boot together (while checkpoints are written); measure one at a
     * time, {@link Eval#awaitReady} first, and close it after its rows.
     */
    Eval startEval(boolean batching, int maxBatch, Duration maxDelay) {
        Path jar = ServiceJars.in(home).eval();
        int grpcPort = Ports.free();
        int httpPort = Ports.free();
        while (httpPort == grpcPort) {
            httpPort = Ports.free();
        }
        String name = "eval-service-batching-" + (batching ? "on" : "off");
        JavaProcess process = JavaProcess.builder(name)
                .jar(jar)
                .jvmArgs("-Xmx2g", "-XX:+ExitOnOutOfMemoryError")
                .systemProperties(stack.config()) // the S3 keys travel in its environment
                .systemProperty("twinview.storage.bucket", Pipeline.BUCKET)
                .systemProperty("quarkus.grpc.server.port", String.valueOf(grpcPort))
                .systemProperty("quarkus.http.port", String.valueOf(httpPort))
                .systemProperty("twinview.grpc.token-file", tokenFile.toString())
                .systemProperty("twinview.eval.auto", "false")
                .systemProperty("twinview.eval.embed.batching", String.valueOf(batching))
                .systemProperty("twinview.eval.embed.max-batch", String.valueOf(maxBatch))
                .systemProperty("twinview.eval.embed.max-delay", maxDelay.toMillis() + "ms")
                .systemProperty("ai.djl.offline", "true")
                .logFile(work.resolve("logs").resolve(name + ".log"))
                .workingDir(jar.getParent())
                .start();
        Eval eval = new Eval(process, grpcPort, new BearerToken(token));
        evals.add(eval);
        return eval;
    }

    /** One started eval-service. */
    static final class Eval implements AutoCloseable {
        private final JavaProcess process;
        private final int grpcPort;
        private final CallCredentials credentials;

        private Eval(JavaProcess process, int grpcPort, CallCredentials credentials) {
            this.process = process;
            this.grpcPort = grpcPort;
            this.credentials = credentials;
        }

        /** Returns when its gRPC port accepts connections. */
        void awaitReady() {
            process.awaitPort(Ports.LOOPBACK, grpcPort, SERVICE_START);
        }

        /** A new plaintext channel to it (one per caller: callers are separate clients). */
        ManagedChannel channel() {
            return io.grpc.Grpc.newChannelBuilderForAddress(
                            Ports.LOOPBACK, grpcPort, InsecureChannelCredentials.create())
                    .build();
        }

        /** The reader token it was started with. */
        CallCredentials credentials() {
            return credentials;
        }

        @Override
        public void close() {
            process.close();
        }
    }

    private StorageSettings storage() {
        return StorageSettings.of(stack.s3Endpoint(), stack.s3AccessKey(), stack.s3SecretKey(), Pipeline.BUCKET);
    }

    /** Stops eval-service, Kafka and S3Proxy and deletes the temporary folder. */
    @Override
    public void close() {
        try {
            evals.forEach(Eval::close);
        } finally {
            stack.close();
            TempDirs.deleteQuietly(work);
        }
    }
}
