package io.twinview.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.twinview.stack.Ports;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Builds every image with {@code images/build.sh} (what {@code ./twinview images} runs) and runs them
 * as a cluster would: read-only root filesystem, writable only /tmp and the image's volume, settings
 * from mounted files (kafka, s3proxy) and environment variables (the services), host networking on
 * free ports. Then a run goes through them all: the CLI image submits a tiny training run to the
 * trainer image over gRPC, the augment image makes its views, the trainer trains it with DJL's
 * PyTorch natives extracted into its cache volume, and the eval image scores the checkpoint.
 *
 * <p>Skips, saying why, without podman and runc (or debootstrap and root while the base image is not
 * built yet), or with {@code -Dtwinview.images.skip=true}. The first build of the base image takes
 * about 100 s; with it cached, the whole test about two minutes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ImagesTest {

    private static final String VERSION = "0.1.0";
    private static final String ACCESS_KEY =
            "images-test-" + UUID.randomUUID().toString().substring(0, 8);
    private static final String SECRET_KEY = "images-test-secret-" + UUID.randomUUID();
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    // the admin client logs every config block and reconnection through java.util.logging: keep a
    // strong reference, or the level goes with the logger
    private static final Logger KAFKA_LOG = Logger.getLogger("org.apache.kafka");

    private final Path home =
            Path.of(System.getProperty("twinview.home", "..")).toAbsolutePath().normalize();
    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final List<String> started = new ArrayList<>();

    private final int kafkaPort = Ports.free();
    private final int controllerPort = Ports.free();
    private final int s3Port = Ports.free();
    private final int trainerHttp = Ports.free();
    private final int trainerGrpc = Ports.free();
    private final int evalHttp = Ports.free();
    private final int evalGrpc = Ports.free();
    private final int augmentHttp = Ports.free();

    private Path dir;
    /** Why the images cannot be built here, or null: each test is skipped with it, so reports show it. */
    private String skipReason;

    @BeforeAll
    void buildImages() throws Exception {
        dir = Files.createTempDirectory("twinview-images-test");
        KAFKA_LOG.setLevel(Level.WARNING);
        skipReason = skipReason();
        if (skipReason != null) {
            return;
        }
        Instant start = Instant.now();
        Result build =
                run(Duration.ofMinutes(15), home.resolve("images/build.sh").toString());
        assertEquals(0, build.exit(), "images/build.sh should build every image:\n" + build.output());
        System.out.printf(
                "[images] built in %d s%n%s",
                Duration.between(start, Instant.now()).toSeconds(), build.output());
    }

    @BeforeEach
    void requireImages() {
        assumeTrue(skipReason == null, skipReason);
    }

    private String skipReason() throws Exception {
        if (Boolean.getBoolean("twinview.images.skip")) {
            return "-Dtwinview.images.skip=true";
        }
        if (!onPath("podman") || !onPath("runc")) {
            return "podman and runc are needed (apt-get install podman runc)";
        }
        if (!Files.isRegularFile(home.resolve("trainer-service/target/quarkus-app/quarkus-run.jar"))
                || !Files.isRegularFile(home.resolve("cli/target/twinview-cli.jar"))) {
            return "the modules are not packaged (run mvn verify or package, not only test)";
        }
        if (!imageExists("localhost/twinview/jre:" + VERSION)) {
            if (!onPath("debootstrap")) {
                return "the base image is not built and debootstrap is missing (apt-get install debootstrap)";
            }
            if (!isRoot()) {
                return "the base image is not built and debootstrap needs root";
            }
        }
        return null;
    }

    @AfterAll
    void removeContainers() throws Exception {
        for (String name : started) {
            run(Duration.ofSeconds(60), "podman", "rm", "-f", "-t", "5", name);
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(path -> path.toFile().delete());
            }
        }
    }

    @Test
    @Order(1)
    void kafkaImageServesItsMountedServerProperties() throws Exception {
        Path properties = dir.resolve("server.properties");
        // what a ConfigMap would set: the listeners; the rest as in the image's default
        String defaults = Files.readString(home.resolve("stack/src/main/docker/kafka/server.properties"));
        Files.writeString(
                properties,
                defaults.replaceAll("(?m)^(controller.quorum.voters|listeners|advertised.listeners)=.*$", "")
                        + "\ncontroller.quorum.voters=1@127.0.0.1:" + controllerPort
                        + "\nlisteners=PLAINTEXT://127.0.0.1:" + kafkaPort + ",CONTROLLER://127.0.0.1:"
                        + controllerPort
                        + "\nadvertised.listeners=PLAINTEXT://127.0.0.1:" + kafkaPort + "\n");
        String name = start(
                "kafka", List.of("-v", properties + ":/etc/kafka/server.properties:ro", "--tmpfs", "/var/lib/kafka"));

        await("kafka listens on " + kafkaPort, name, () -> accepts(kafkaPort));
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                "127.0.0.1:" + kafkaPort,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                (int) START_TIMEOUT.toMillis()))) {
            admin.createTopics(List.of(new NewTopic("images-test", 1, (short) 1)))
                    .all()
                    .get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            assertTrue(
                    admin.listTopics().names().get(30, TimeUnit.SECONDS).contains("images-test"),
                    "the broker in the kafka image should create and list a topic");
        } catch (Exception e) {
            fail("the kafka image should answer on " + kafkaPort + "; its log:\n" + logs(name), e);
        }
        assertRunsAsUid10001(name);
    }

    @Test
    @Order(2)
    void s3proxyImageServesItsMountedProperties() throws Exception {
        Path properties = dir.resolve("s3proxy.properties");
        String defaults = Files.readString(home.resolve("stack/src/main/docker/s3proxy/s3proxy.properties"));
        // what a Secret would hold: another endpoint and other credentials
        Files.writeString(
                properties,
                defaults.replaceAll("(?m)^s3proxy.endpoint=.*$", "")
                        + "\ns3proxy.endpoint=http://127.0.0.1:" + s3Port
                        + "\ns3proxy.identity=" + ACCESS_KEY
                        + "\ns3proxy.credential=" + SECRET_KEY
                        + "\njclouds.identity=" + ACCESS_KEY
                        + "\njclouds.credential=" + SECRET_KEY + "\n");
        String name = start(
                "s3proxy",
                List.of("-v", properties + ":/etc/s3proxy/s3proxy.properties:ro", "--tmpfs", "/var/lib/s3proxy"));

        try (MinioClient client = MinioClient.builder()
                .endpoint("http://127.0.0.1:" + s3Port)
                .credentials(ACCESS_KEY, SECRET_KEY)
                .build()) {
            byte[] body = "hello from the images test".getBytes(StandardCharsets.UTF_8);
            await("s3proxy answers on " + s3Port, name, () -> {
                try {
                    client.bucketExists(
                            BucketExistsArgs.builder().bucket("images-test").build());
                    return true;
                } catch (Exception e) {
                    return false;
                }
            });
            client.makeBucket(MakeBucketArgs.builder().bucket("images-test").build());
            client.putObject(PutObjectArgs.builder().bucket("images-test").object("a/b.txt").stream(
                            new ByteArrayInputStream(body), (long) body.length, -1L)
                    .build());
            try (InputStream in = client.getObject(GetObjectArgs.builder()
                    .bucket("images-test")
                    .object("a/b.txt")
                    .build())) {
                assertEquals(
                        new String(body, StandardCharsets.UTF_8),
                        new String(in.readAllBytes(), StandardCharsets.UTF_8),
                        "the s3proxy image should return what was put, with the mounted credentials");
            }
        }
        assertRunsAsUid10001(name);
    }

    @Test
    @Order(3)
    void serviceImagesTrainAndEvaluateARunThatTheCliImageSubmits() throws Exception {
        String kafka = "127.0.0.1:" + kafkaPort;
        String s3 = "http://127.0.0.1:" + s3Port;
        List<String> storage = List.of(
                "-e", "KAFKA_BOOTSTRAP_SERVERS=" + kafka,
                "-e", "TWINVIEW_STORAGE_ENDPOINT=" + s3,
                // a name without a value: podman passes its own variable (set in run()), off its command line
                "-e", "TWINVIEW_STORAGE_ACCESS_KEY",
                "-e", "TWINVIEW_STORAGE_SECRET_KEY",
                "--tmpfs", "/var/cache/twinview");
        String trainer = start(
                "trainer",
                with(storage, "QUARKUS_HTTP_PORT=" + trainerHttp, "QUARKUS_GRPC_SERVER_PORT=" + trainerGrpc));
        String eval =
                start("eval", with(storage, "QUARKUS_HTTP_PORT=" + evalHttp, "QUARKUS_GRPC_SERVER_PORT=" + evalGrpc));
        String augment = start("augment", with(storage, "QUARKUS_HTTP_PORT=" + augmentHttp));
        awaitReady(trainer, trainerHttp);
        awaitReady(eval, evalHttp);
        awaitReady(augment, augmentHttp);
        for (String name : List.of(trainer, eval, augment)) {
            assertRunsAsUid10001(name);
        }

        Result train = cli(
                "train",
                "--trainer",
                "127.0.0.1:" + trainerGrpc,
                "--dataset",
                "synthetic:?n=256",
                "--epochs",
                "1",
                "--batch-size",
                "64",
                "--json");
        assertEquals(
                0,
                train.exit(),
                "the cli image should run a training to its end:\n" + train.output() + "\ntrainer log:\n"
                        + logs(trainer) + "\naugment log:\n" + logs(augment));
        assertTrue(train.output().contains("\"state\":\"RUN_STATE_SUCCEEDED\""), train.output());
        String runId = train.output().replaceAll("(?s).*\"run_id\":\"([^\"]+)\".*", "$1");

        Result evaluate = cli("eval", "--eval", "127.0.0.1:" + evalGrpc, "--run-id", runId, "--json");
        assertEquals(
                0,
                evaluate.exit(),
                "the eval image should score the run's checkpoint:\n" + evaluate.output() + "\neval log:\n"
                        + logs(eval));
    }

    private static List<String> with(List<String> options, String... environment) {
        List<String> all = new ArrayList<>(options);
        for (String variable : environment) {
            all.add("-e");
            all.add(variable);
        }
        return all;
    }

    /** Starts an image detached as a cluster would: read-only root, /tmp writable, host network. */
    private String start(String image, List<String> options) throws Exception {
        String name = "twinview-images-test-" + image + "-" + suffix;
        List<String> command = new ArrayList<>(
                List.of("podman", "run", "-d", "--name", name, "--network", "host", "--read-only", "--tmpfs", "/tmp"));
        command.addAll(options);
        command.add(image(image));
        started.add(name);
        Result result = run(Duration.ofSeconds(60), command.toArray(String[]::new));
        assertEquals(0, result.exit(), "podman run " + image + ":\n" + result.output());
        return name;
    }

    private Result cli(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                "podman",
                "run",
                "--rm",
                "--name",
                "twinview-images-test-cli-" + suffix,
                "--network",
                "host",
                "--read-only",
                "--tmpfs",
                "/tmp",
                "--tmpfs",
                "/var/cache/twinview",
                image("cli")));
        command.addAll(List.of(args));
        return run(Duration.ofMinutes(5), command.toArray(String[]::new));
    }

    private void awaitReady(String name, int httpPort) throws Exception {
        await(name + " ready on /q/health/ready", name, () -> httpStatus(httpPort, "/q/health/ready") == 200);
    }

    private void await(String what, String container, BooleanSupplier condition) throws Exception {
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                fail("waited " + START_TIMEOUT.toSeconds() + " s for " + what + "; log:\n" + logs(container));
            }
            Thread.sleep(500);
        }
    }

    private void assertRunsAsUid10001(String name) throws Exception {
        Result top = run(Duration.ofSeconds(30), "podman", "top", name, "huser");
        assertEquals(
                List.of("HUSER", "10001"),
                top.output().lines().map(String::strip).toList(),
                name + " should run as uid 10001 and nothing else");
        Result readOnly =
                run(Duration.ofSeconds(30), "podman", "inspect", "-f", "{{.HostConfig.ReadonlyRootfs}}", name);
        assertEquals("true", readOnly.output().strip(), name + " should have been started with a read-only root");
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(Ports.LOOPBACK, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int httpStatus(int port, String path) {
        try {
            HttpURLConnection connection = (HttpURLConnection)
                    URI.create("http://127.0.0.1:" + port + path).toURL().openConnection();
            connection.setConnectTimeout(1000);
            connection.setReadTimeout(2000);
            try {
                return connection.getResponseCode();
            } finally {
                connection.disconnect();
            }
        } catch (IOException e) {
            return -1;
        }
    }

    private String logs(String name) throws Exception {
        String output = run(Duration.ofSeconds(30), "podman", "logs", name).output();
        return output.length() > 6000 ? "..." + output.substring(output.length() - 6000) : output;
    }

    private static String image(String name) {
        return "localhost/twinview/" + name + ":" + VERSION;
    }

    private boolean imageExists(String image) throws Exception {
        return run(Duration.ofSeconds(30), "podman", "image", "exists", image).exit() == 0;
    }

    private static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String entry : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(entry, tool))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isRoot() {
        try {
            return "0"
                    .equals(new String(
                                    new ProcessBuilder("id", "-u")
                                            .start()
                                            .getInputStream()
                                            .readAllBytes(),
                                    StandardCharsets.UTF_8)
                            .strip());
        } catch (IOException e) {
            return false;
        }
    }

    private record Result(int exit, String output) {}

    /** Runs a command with the repository's containers.conf, output and errors together. */
    private Result run(Duration timeout, String... command) throws Exception {
        Path output = Files.createTempFile(dir, "command", ".log");
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(home.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        builder.environment()
                .put("CONTAINERS_CONF", home.resolve("images/containers.conf").toString());
        builder.environment().put("TWINVIEW_STORAGE_ACCESS_KEY", ACCESS_KEY);
        builder.environment().put("TWINVIEW_STORAGE_SECRET_KEY", SECRET_KEY);
        Process process = builder.start();
        if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            return new Result(
                    -1,
                    "timed out after " + timeout.toSeconds() + " s: " + String.join(" ", command) + "\n"
                            + Files.readString(output));
        }
        return new Result(process.exitValue(), Files.readString(output));
    }
}
