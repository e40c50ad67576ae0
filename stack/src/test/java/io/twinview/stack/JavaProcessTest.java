package io.twinview.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JavaProcessTest {

    private static final Duration START = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private JavaProcess child;

    @AfterEach
    void killLeftovers() {
        if (child != null) {
            child.kill();
        }
    }

    @Test
    void stopEndsAChildWithSigtermAndItsShutdownHooksRun() {
        child = start(ChildMains.Sleeper.class).start();
        awaitLog(child, "sleeper started");

        int exit = child.stop(Duration.ofSeconds(20));

        assertEquals(143, exit, "a JVM ended by SIGTERM exits with 128 + 15");
        assertFalse(child.isAlive(), "stop() returns only once the child is gone");
        assertEquals(143, child.exitCode().orElseThrow());
        assertTrue(
                child.logTail(5).contains("sleeper shutdown hook ran"),
                "SIGTERM lets the child run its shutdown hooks:\n" + child.logTail(5));
    }

    @Test
    void stopFallsBackToSigkillWhenTheChildDoesNotExitInTime() {
        child = start(ChildMains.StubbornSleeper.class).start();
        awaitLog(child, "stubborn sleeper started");

        long started = System.nanoTime();
        int exit = child.stop(Duration.ofMillis(500));
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertEquals(137, exit, "a child that outlives the grace period is SIGKILLed (128 + 9)");
        assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, "stop waited " + took + " for a 500 ms grace");
        assertTrue(child.logTail(5).contains("stubborn shutdown hook started"), "SIGTERM came first");
    }

    @Test
    void killIsImmediateAndSkipsShutdownHooks() {
        child = start(ChildMains.Sleeper.class).start();
        awaitLog(child, "sleeper started");

        long started = System.nanoTime();
        int exit = child.kill();
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertEquals(137, exit, "SIGKILL gives 128 + 9");
        assertFalse(child.isAlive());
        assertTrue(took.compareTo(Duration.ofSeconds(2)) < 0, "kill() took " + took);
        assertFalse(child.logTail(5).contains("shutdown hook ran"), "SIGKILL runs no shutdown hook");
    }

    @Test
    void awaitPortFailsAsSoonAsTheChildDiesAndShowsItsLog() {
        child = start(ChildMains.Failer.class).args("bad", "config").start();

        long started = System.nanoTime();
        ChildProcessException e =
                assertThrows(ChildProcessException.class, () -> child.awaitPort("127.0.0.1", Ports.free(), START));
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        assertTrue(e.getMessage().contains("exited with code 3"), e.getMessage());
        assertTrue(
                e.getMessage().contains("failing on purpose: bad config"),
                "the message ends with the log tail: " + e.getMessage());
        assertTrue(took.compareTo(Duration.ofSeconds(30)) < 0, "fails early, not at the timeout; took " + took);
    }

    @Test
    void awaitPortTimesOutWithTheLogTailWhileTheChildRuns() {
        child = start(ChildMains.Sleeper.class).start();

        ChildProcessException e = assertThrows(
                ChildProcessException.class, () -> child.awaitPort("127.0.0.1", Ports.free(), Duration.ofSeconds(2)));

        assertTrue(e.getMessage().contains("timed out"), e.getMessage());
        assertTrue(child.isAlive(), "a timeout does not stop the child; the caller decides");
    }

    @Test
    void passesSystemPropertiesEnvAndArgsAndAwaitsThePort() {
        int port = Ports.free();
        child = start(ChildMains.Listener.class)
                .systemProperty("twinview.test", "a value with spaces")
                .env("TWINVIEW_TEST", "from-env")
                .args(Integer.toString(port))
                .start();

        child.awaitPort("127.0.0.1", port, START);

        awaitLog(child, "listening on " + port);
        assertTrue(
                child.logTail(3).contains("property twinview.test=a value with spaces, env TWINVIEW_TEST=from-env"),
                child.logTail(3));
        assertFalse(Ports.isFree(port), "the child holds the port");
    }

    @Test
    void aSecretTravelsInTheEnvironmentNeverOnTheCommandLineOrInTheLog() throws IOException {
        String secret = "s3cr3t-" + UUID.randomUUID();
        child = start(ChildMains.SecretReader.class)
                .systemProperty("twinview.test.secret-key", secret)
                .start();

        awaitLog(child, "secret of ");
        assertTrue(
                child.logTail(5)
                        .contains("secret of " + secret.length() + " chars, hash " + secret.hashCode()
                                + "; as a system property: false"),
                "the child reads the secret from TWINVIEW_TEST_SECRET_KEY, not from a -D flag:\n" + child.logTail(5));
        String cmdline = Files.readString(Path.of("/proc", Long.toString(child.pid()), "cmdline"));
        assertFalse(cmdline.contains(secret), "the secret is not on the command line: " + cmdline);
        assertTrue(cmdline.contains(ChildMains.SecretReader.class.getName()), "this is the child's cmdline");
        String log = Files.readString(child.logFile());
        assertFalse(log.contains(secret), "the secret is not in the log:\n" + log);
        assertTrue(
                log.contains("secrets in the environment: [TWINVIEW_TEST_SECRET_KEY]"),
                "the log names the variable it travelled in:\n" + log);
    }

    @Test
    void keysThatNameASecretAreTold() {
        for (String key : List.of(
                "twinview.storage.secret-key",
                "twinview.storage.access-key",
                "kafka.sasl.jaas.config",
                "kafka.ssl.keystore.password",
                "twinview.grpc.token",
                "s3proxy.credential",
                "javax.net.ssl.trustStorePassword")) {
            assertTrue(JavaProcess.isSecretKey(key), key + " holds a secret");
        }
        for (String key : List.of(
                "twinview.storage.secret-key-file",
                "twinview.grpc.token-file",
                "kafka.ssl.keystore.location",
                "twinview.storage.endpoint",
                "kafka.bootstrap.servers",
                "quarkus.grpc.server.port")) {
            assertFalse(JavaProcess.isSecretKey(key), key + " does not hold a secret");
        }
        assertEquals("TWINVIEW_STORAGE_SECRET_KEY", JavaProcess.environmentName("twinview.storage.secret-key"));
        assertEquals("KAFKA_SASL_JAAS_CONFIG", JavaProcess.environmentName("kafka.sasl.jaas.config"));
    }

    @Test
    void logTailShowsOnlyTheCurrentRunOfAnAppendedLog() throws IOException {
        Path log = dir.resolve("shared.log");
        Files.writeString(log, "line from an earlier run\n");
        child = start(ChildMains.Failer.class).logFile(log).args("second").start();
        child.waitFor(START);

        String tail = child.logTail(50);

        assertTrue(tail.contains("failing on purpose: second"), tail);
        assertFalse(tail.contains("earlier run"), "the tail starts at this run:\n" + tail);
        assertTrue(Files.readString(log).startsWith("line from an earlier run"), "the log is appended, not truncated");
    }

    @Test
    void aChildFollowsItsParentWhenTheParentIsSigkilled() throws IOException {
        Path grandchildLog = dir.resolve("grandchild.log");
        child = JavaProcess.builder("launcher")
                .mainClass(ChildMains.Launcher.class.getName())
                .classpath(testClasspath())
                .args(grandchildLog.toString())
                .logFile(dir.resolve("launcher.log"))
                .start();
        awaitLog(child, "grandchild pid");
        Matcher pid = Pattern.compile("grandchild pid (\\d+)").matcher(child.logTail(20));
        assertTrue(pid.find(), child.logTail(20));
        ProcessHandle grandchild =
                ProcessHandle.of(Long.parseLong(pid.group(1))).orElseThrow();
        child.awaitReady(
                "the grandchild to run",
                START,
                () -> Files.readString(grandchildLog).contains("sleeper started"));

        child.kill(); // no shutdown hook runs in the launcher

        Optional<ProcessHandle> gone = Optional.empty();
        try {
            gone = Optional.of(grandchild.onExit().get(20, java.util.concurrent.TimeUnit.SECONDS));
        } catch (Exception e) {
            grandchild.destroyForcibly();
        }
        assertTrue(gone.isPresent(), "the grandchild must exit once its parent is SIGKILLed");
        String log = Files.readString(grandchildLog);
        assertTrue(
                log.contains("is gone; shutting down"),
                "the parent-watch agent says why it stopped the child:\n" + log);
        assertTrue(
                log.contains("sleeper shutdown hook ran"),
                "the child exits through its shutdown hooks, as with SIGTERM");
    }

    @Test
    void builderRejectsAmbiguousOrIncompleteCommands() {
        assertThrows(
                IllegalStateException.class,
                () -> JavaProcess.builder("x")
                        .mainClass("A")
                        .jar(dir.resolve("a.jar"))
                        .logFile(dir.resolve("x.log"))
                        .start(),
                "main class and -jar together");
        assertThrows(
                IllegalStateException.class,
                () -> JavaProcess.builder("x").mainClass("A").start(),
                "no log file");
        assertThrows(IllegalArgumentException.class, () -> JavaProcess.builder(" "), "blank name");
        assertThrows(
                ChildProcessException.class,
                () -> JavaProcess.builder("x")
                        .jar(dir.resolve("missing.jar"))
                        .logFile(dir.resolve("x.log"))
                        .start(),
                "missing jar");
    }

    @Test
    void commandPutsJvmArgsAndPropertiesBeforeTheMainClass() {
        List<String> command = JavaProcess.builder("x")
                .mainClass("a.Main")
                .classpath(Path.of("a.jar"), Path.of("b.jar"))
                .jvmArgs("-Xmx64m")
                .systemProperty("k", "v")
                .secret("twinview.storage.secret-key", "hush")
                .systemProperty("kafka.sasl.jaas.config", "hush too")
                .args("one")
                .dieWithParent(false)
                .command();

        assertEquals(
                List.of("-Xmx64m", "-Dk=v", "-cp", "a.jar" + File.pathSeparator + "b.jar", "a.Main", "one"),
                command.subList(1, command.size()),
                "JVM args, then properties, then the main class; the two secrets stay off the command line");
    }

    private JavaProcess.Builder start(Class<?> main) {
        return JavaProcess.builder(main.getSimpleName())
                .mainClass(main.getName())
                .classpath(testClasspath())
                .logFile(dir.resolve(main.getSimpleName() + ".log"));
    }

    private static List<Path> testClasspath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(Path::of)
                .toList();
    }

    private static void awaitLog(JavaProcess process, String text) {
        process.awaitReady(
                "log line '" + text + "'", START, () -> process.logTail(50).contains(text));
    }
}
