package io.twinview.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.twinview.stack.JavaProcess;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code ./twinview demo --json} as the command runs it, on a tiny run (2 epochs of 256 synthetic
 * images), run once for both tests: its last line is one JSON object with the results; and
 * (acceptance of issue 12, item 3) no secret appears in any log line or process command line. While the
 * demo runs, the command line of every process below this JVM is read from {@code /proc/PID/cmdline};
 * after it, every file the demo wrote is searched. The secrets are the demo's own: the S3 keys its stack
 * drew at random (40 and 20 characters, so a hit is no accident), and any gRPC token the demo wrote.
 */
class DemoCommandTest {

    /** What one demo printed and left behind. */
    private record DemoRun(int exit, String out, String console, Map<Long, Set<String>> commandLines, Path work) {}

    private static DemoRun demo;

    @BeforeAll
    static void runTheDemo() throws Exception {
        Path demos = TwinviewCli.home().resolve(".twinview/demo");
        Set<Path> before = children(demos);
        // a child's command line changes once (posix_spawn's helper, nice, then java): keep every one seen
        Map<Long, Set<String>> commandLines = new LinkedHashMap<>();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        int exit;
        try (PrintStream outStream = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setOut(outStream);
            System.setErr(errStream);
            CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> new CommandLine(new TwinviewCli())
                    .execute("demo", "--dataset", "synthetic:?n=256", "--epochs", "2", "--batch-size", "64", "--json"));
            while (!run.isDone()) {
                ProcessHandle.current()
                        .descendants()
                        .forEach(child -> commandLines
                                .computeIfAbsent(child.pid(), pid -> new LinkedHashSet<>())
                                .add(commandLine(child.pid())));
                Thread.sleep(200);
            }
            exit = run.join();
        } finally {
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
        String stdout = out.toString(StandardCharsets.UTF_8);
        String stderr = err.toString(StandardCharsets.UTF_8);
        originalOut.println(stdout);
        originalErr.println(stderr);
        List<Path> created =
                children(demos).stream().filter(d -> !before.contains(d)).toList();
        assertEquals(1, created.size(), "the demo made one work folder under " + demos + ": " + created);
        demo = new DemoRun(exit, stdout, stdout + stderr, commandLines, created.get(0));
    }

    @AfterAll
    static void deleteTheDemosWork() {
        if (demo != null) {
            Files2.deleteQuietly(demo.work());
        }
    }

    @Test
    void demoEndsWithOneJsonLineHoldingTheResults() {
        assertEquals(0, demo.exit(), "demo exits 0 after stopping everything");
        String[] lines = demo.out().strip().split("\\R");
        JsonObject json = JsonParser.parseString(lines[lines.length - 1]).getAsJsonObject();
        for (String key : List.of(
                "run_id",
                "method",
                "encoder",
                "epochs",
                "steps",
                "checkpoint",
                "knn_top1",
                "linear_top1",
                "random_knn_top1",
                "random_linear_top1",
                "train_pairs_per_s",
                "input_wait_fraction",
                "wall_s")) {
            assertTrue(json.has(key), "the JSON line has " + key + ": " + json);
        }
        assertEquals("simclr", json.get("method").getAsString());
        assertEquals(8, json.get("steps").getAsInt(), "2 epochs x 256 / 64");
        assertTrue(
                json.get("checkpoint").getAsString().startsWith("s3://twinview/runs/"),
                json.get("checkpoint").getAsString());
        for (String accuracy : List.of("knn_top1", "linear_top1", "random_knn_top1", "random_linear_top1")) {
            double value = json.get(accuracy).getAsDouble();
            assertTrue(value >= 0 && value <= 1, accuracy + " is a fraction: " + value);
        }
        assertTrue(json.get("train_pairs_per_s").getAsDouble() > 0, "throughput measured");
        double inputWait = json.get("input_wait_fraction").getAsDouble();
        assertTrue(
                inputWait > 0 && inputWait < 1,
                "the trainer waited for the first views, then trained: a fraction in (0, 1): " + inputWait);
    }

    @Test
    void noSecretInAnyLogOrCommandLineOfTheDemo() throws Exception {
        assertEquals(0, demo.exit(), "the demo ran to its end (trained, evaluated, stopped everything)");
        Path work = demo.work();
        Path s3proxyProperties = work.resolve("s3/s3proxy.properties");
        assertEquals(
                "rw-------",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(s3proxyProperties)),
                "the one file that holds the S3 keys by design is readable by its owner only");
        Properties s3proxy = new Properties();
        try (InputStream in = Files.newInputStream(s3proxyProperties)) {
            s3proxy.load(in);
        }
        Map<String, String> secrets = new LinkedHashMap<>();
        secrets.put("the S3 secret key", s3proxy.getProperty("s3proxy.credential"));
        secrets.put("the S3 access key", s3proxy.getProperty("s3proxy.identity"));
        assertTrue(secrets.get("the S3 secret key").length() >= 40, "a random secret of 40 characters or more");
        assertTrue(secrets.get("the S3 access key").length() >= 20, "a random access key of 20 characters or more");
        List<Path> tokenFiles = tokenFiles(work);
        for (Path token : tokenFiles) {
            String value = Files.readString(token).strip();
            if (value.length() >= 16) {
                secrets.put("the gRPC token in " + token, value);
            }
        }

        List<String> seen =
                demo.commandLines().values().stream().flatMap(Set::stream).toList();
        for (String child :
                List.of("trainer-service", "eval-service", "augment-service", "s3proxy", "KafkaBrokerMain")) {
            assertTrue(
                    seen.stream().anyMatch(c -> c.contains(child)),
                    "the command line of " + child + " was read while it ran: " + seen);
        }
        for (Map.Entry<Long, Set<String>> child : demo.commandLines().entrySet()) {
            for (String command : child.getValue()) {
                for (Map.Entry<String, String> secret : secrets.entrySet()) {
                    assertFalse(
                            command.contains(secret.getValue()),
                            secret.getKey() + " is on the command line of pid " + child.getKey() + ": " + command);
                }
            }
        }

        List<Path> written;
        try (Stream<Path> files = Files.walk(work)) {
            written = files.filter(Files::isRegularFile)
                    .filter(file -> !file.equals(s3proxyProperties) && !tokenFiles.contains(file))
                    .toList();
        }
        List<Path> logs = written.stream()
                .filter(file -> file.getFileName().toString().endsWith(".log"))
                .toList();
        for (String log :
                List.of("kafka.log", "s3proxy.log", "trainer-service.log", "eval-service.log", "augment-service.log")) {
            assertTrue(logs.contains(work.resolve("logs").resolve(log)), "the demo wrote logs/" + log + ": " + logs);
        }
        assertTrue(
                Files.readString(work.resolve("logs/trainer-service.log"))
                        .contains(JavaProcess.environmentName("twinview.storage.secret-key")),
                "the services got the secret in their environment, and their log says which variable");
        for (Path file : written) { // the logs, and all the demo stored besides: checkpoints, reports
            byte[] content = Files.readAllBytes(file);
            for (Map.Entry<String, String> secret : secrets.entrySet()) {
                assertFalse(
                        contains(content, secret.getValue().getBytes(StandardCharsets.UTF_8)),
                        secret.getKey() + " is in " + file);
            }
        }
        for (Map.Entry<String, String> secret : secrets.entrySet()) {
            assertFalse(
                    demo.console().contains(secret.getValue()), secret.getKey() + " is in the demo's console output");
        }
        System.out.printf(
                "searched %d command lines, %d files (%d logs) and the console for %s%n",
                seen.size(), written.size(), logs.size(), secrets.keySet());
    }

    private static String commandLine(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"), StandardCharsets.ISO_8859_1)
                    .replace('\0', ' ');
        } catch (IOException e) {
            return "(gone: " + e.getClass().getSimpleName() + ")";
        }
    }

    private static Set<Path> children(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return Set.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.collect(Collectors.toSet());
        }
    }

    /** Files that hold a gRPC token by design ({@code token}, {@code *.token}). */
    private static List<Path> tokenFiles(Path work) throws IOException {
        List<Path> tokens = new ArrayList<>();
        try (Stream<Path> files = Files.walk(work)) {
            files.filter(Files::isRegularFile)
                    .filter(f -> f.getFileName().toString().equals("token")
                            || f.getFileName().toString().endsWith(".token"))
                    .forEach(tokens::add);
        }
        return tokens;
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
