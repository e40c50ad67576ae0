package io.twinview.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Acceptance of issue 12, item 3: no secret appears in any log line or process command line of
 * {@code ./twinview demo}. The demo runs as the command runs it (a tiny run, as in DemoCommandTest); while
 * it runs, the command line of every process below this JVM is read from {@code /proc/PID/cmdline}; after
 * it, every file the demo wrote is searched. The secrets are the demo's own: the S3 keys its stack drew at
 * random (40 and 20 characters, so a hit is no accident), and any gRPC token the demo wrote.
 */
class DemoSecretsTest {

    @Test
    void noSecretInAnyLogOrCommandLineOfTheDemo() throws Exception {
        Path demos = TwinviewCli.home().resolve(".twinview/demo");
        Set<Path> before = children(demos);
        // a child's command line changes once (posix_spawn's helper, nice, then java): keep every one seen
        Map<Long, Set<String>> commandLines = new LinkedHashMap<>();
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        int exit;
        try (PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            System.setOut(out);
            System.setErr(out);
            CompletableFuture<Integer> demo = CompletableFuture.supplyAsync(() -> new CommandLine(new TwinviewCli())
                    .execute("demo", "--dataset", "synthetic:?n=256", "--epochs", "1", "--batch-size", "64", "--json"));
            while (!demo.isDone()) {
                ProcessHandle.current()
                        .descendants()
                        .forEach(child -> commandLines
                                .computeIfAbsent(child.pid(), pid -> new LinkedHashSet<>())
                                .add(commandLine(child.pid())));
                Thread.sleep(200);
            }
            exit = demo.join();
        } finally {
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
        String output = captured.toString(StandardCharsets.UTF_8);
        originalOut.println(output);
        assertEquals(0, exit, "the demo ran to its end (trained, evaluated, stopped everything)");

        List<Path> created =
                children(demos).stream().filter(d -> !before.contains(d)).toList();
        assertEquals(1, created.size(), "the demo made one work folder under " + demos + ": " + created);
        Path work = created.get(0);
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

        List<String> seen = commandLines.values().stream().flatMap(Set::stream).toList();
        for (String child :
                List.of("trainer-service", "eval-service", "augment-service", "s3proxy", "KafkaBrokerMain")) {
            assertTrue(
                    seen.stream().anyMatch(c -> c.contains(child)),
                    "the command line of " + child + " was read while it ran: " + seen);
        }
        for (Map.Entry<Long, Set<String>> child : commandLines.entrySet()) {
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
            assertFalse(output.contains(secret.getValue()), secret.getKey() + " is in the demo's console output");
        }
        originalOut.printf(
                "searched %d command lines, %d files (%d logs) and the console for %s%n",
                seen.size(), written.size(), logs.size(), secrets.keySet());
        Files2.deleteQuietly(work);
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
