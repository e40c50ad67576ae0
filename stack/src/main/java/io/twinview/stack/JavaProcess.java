package io.twinview.stack;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * A child JVM: {@code java [jvm args] [-D...] (-cp classpath mainClass | -jar jar) [args]}, its
 * stdout and stderr appended to one log file.
 *
 * <h2>Lifetime</h2>
 * Children never outlive the parent JVM:
 * <ul>
 *   <li>normal exit, {@code System.exit}, Ctrl-C (SIGINT) or SIGTERM of the parent: a shutdown
 *       hook sends SIGTERM to every child still alive, waits up to its grace period, then
 *       SIGKILLs it;</li>
 *   <li>SIGKILL (or a crash) of the parent, where no hook runs: the child carries a tiny
 *       {@code -javaagent} ({@link ParentWatchAgent}) that polls the parent's pid every second
 *       and, once it is gone, exits the child through its own shutdown hooks (halting after
 *       30 s). Turn it off with {@link Builder#dieWithParent(boolean)} for a child meant to
 *       outlive its launcher.</li>
 * </ul>
 *
 * <h2>Secrets</h2>
 * A secret never goes on the command line, which every user of the machine reads in {@code ps} and
 * {@code /proc/PID/cmdline}, nor in the log: {@link Builder#secret(String, String)} passes it in the
 * child's environment under its MicroProfile Config name ({@link #environmentName(String)}:
 * {@code twinview.storage.secret-key} becomes {@code TWINVIEW_STORAGE_SECRET_KEY}), which a Quarkus
 * service reads like the {@code -D} property, and a plain main reads with
 * {@link #secretFromEnvironment(String)}. {@link Builder#systemProperty(String, String)} sends a key
 * that names a secret ({@link #isSecretKey(String)}) the same way, so a map of settings may hold them.
 * The environment of a process is readable only by its own user (and root).
 */
public final class JavaProcess implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(JavaProcess.class);

    public static final Duration DEFAULT_GRACE = Duration.ofSeconds(10);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration CONNECT_TIMEOUT = Duration.ofMillis(500);
    private static final int TAIL_LINES = 40;
    private static final Path NICE = Path.of("/usr/bin/nice");
    /**
     * A setting's name that holds a secret: a password, secret, token, credential, private key,
     * access key or JAAS config (which embeds a password). A name ending in {@code -file},
     * {@code .file}, {@code -path} or {@code .location} holds where a secret lives, not the secret.
     */
    private static final Pattern SECRET_KEY = Pattern.compile(
            "(?i)^(?!.*([-._]file|[-._]path|\\.location)$).*(secret|password|passwd|token|credential|jaas"
                    + "|private[-._]?key|access[-._]?key).*");

    /** Children of this class loader's JavaProcess still alive, stopped by the shutdown hook. */
    private static final Set<JavaProcess> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(JavaProcess::stopAllOnExit, "twinview-child-reaper"));
    }

    private final String name;
    private final Process process;
    private final Path logFile;
    private final long logStart;
    private final Duration shutdownGrace;
    private final Instant startedAt;

    private JavaProcess(
            String name, Process process, Path logFile, long logStart, Duration shutdownGrace, Instant startedAt) {
        this.name = name;
        this.process = process;
        this.logFile = logFile;
        this.logStart = logStart;
        this.shutdownGrace = shutdownGrace;
        this.startedAt = startedAt;
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Whether the setting {@code key} holds a secret, which must travel in the environment. */
    public static boolean isSecretKey(String key) {
        return SECRET_KEY.matcher(key).matches();
    }

    /**
     * The environment variable a setting travels in, by MicroProfile Config's rule (every character
     * other than a letter or digit becomes {@code _}, then upper case):
     * {@code twinview.storage.secret-key} becomes {@code TWINVIEW_STORAGE_SECRET_KEY}.
     */
    public static String environmentName(String key) {
        return key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }

    /**
     * In a child: the secret its parent passed with {@link Builder#secret(String, String)}, for a main
     * that does not read MicroProfile Config.
     */
    public static Optional<String> secretFromEnvironment(String key) {
        return Optional.ofNullable(System.getenv(environmentName(key)));
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path logFile() {
        return logFile;
    }

    public Instant startedAt() {
        return startedAt;
    }

    /** Empty while the process runs. */
    public OptionalInt exitCode() {
        return process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
    }

    public CompletableFuture<JavaProcess> onExit() {
        return process.onExit().thenApply(p -> this);
    }

    /** Waits up to {@code timeout} for the process to exit on its own; empty if it still runs. */
    public OptionalInt waitFor(Duration timeout) {
        try {
            if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return OptionalInt.of(process.exitValue());
            }
            return OptionalInt.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChildProcessException("interrupted while waiting for " + this + " to exit", e);
        }
    }

    /**
     * Blocks until a TCP connection to {@code host:port} succeeds.
     *
     * @throws ChildProcessException as soon as the process dies, or after {@code timeout}; the
     *                               message ends with the tail of the log
     */
    public JavaProcess awaitPort(String host, int port, Duration timeout) {
        return awaitReady("port " + host + ":" + port + " to accept connections", timeout, () -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(host, port), (int) CONNECT_TIMEOUT.toMillis());
                return true;
            }
        });
    }

    /**
     * Polls {@code probe} until it returns true. A probe that throws counts as "not yet"; the
     * last exception becomes the cause of the timeout.
     *
     * @param what what is awaited, for the message ("Kafka to describe its cluster")
     * @throws ChildProcessException as soon as the process dies, or after {@code timeout}
     */
    public JavaProcess awaitReady(String what, Duration timeout, ReadinessProbe probe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (true) {
            if (!process.isAlive()) {
                throw new ChildProcessException(
                        this + " exited with code " + process.exitValue() + " while waiting for " + what
                                + tailForMessage(),
                        last);
            }
            try {
                if (probe.ready()) {
                    return this;
                }
            } catch (Exception e) {
                last = e;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new ChildProcessException(
                        "timed out after " + timeout.toMillis() + " ms waiting for " + what + " (" + this
                                + " still running)" + tailForMessage(),
                        last);
            }
            sleep(POLL);
        }
    }

    /** Sends SIGTERM and returns at once; {@link #stop(Duration)} waits. */
    public void terminate() {
        process.destroy();
    }

    /**
     * SIGTERM, then SIGKILL if the process still runs after {@code grace}. Waits for the process
     * to be gone. Idempotent.
     *
     * @return the exit code (143 after SIGTERM for a JVM, 137 after SIGKILL)
     */
    public int stop(Duration grace) {
        if (process.isAlive()) {
            long started = System.nanoTime();
            process.destroy();
            if (waitFor(grace).isEmpty()) {
                LOG.warnf("%s did not stop within %d ms of SIGTERM; sending SIGKILL", this, grace.toMillis());
                return kill();
            }
            LOG.debugf(
                    "%s stopped in %d ms",
                    this, Duration.ofNanos(System.nanoTime() - started).toMillis());
        }
        LIVE.remove(this);
        return process.exitValue();
    }

    /** SIGKILL at once ({@link Process#destroyForcibly()}), then waits for the process to be gone. */
    public int kill() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChildProcessException("interrupted while waiting for " + this + " to die", e);
        }
        LIVE.remove(this);
        return process.exitValue();
    }

    /** {@link #stop(Duration)} with the builder's shutdown grace. */
    @Override
    public void close() {
        stop(shutdownGrace);
    }

    /**
     * The last {@code lines} lines this process wrote (this run only, not earlier runs that
     * appended to the same file).
     */
    public String logTail(int lines) {
        try (RandomAccessFile file = new RandomAccessFile(logFile.toFile(), "r")) {
            long length = file.length();
            long window = Math.min(1L << 20, Math.max(16L << 10, lines * 512L));
            long from = Math.max(logStart, length - window);
            byte[] bytes = new byte[(int) (length - from)];
            file.seek(from);
            file.readFully(bytes);
            List<String> all = Arrays.asList(new String(bytes, StandardCharsets.UTF_8).split("\r?\n"));
            if (from > logStart && !all.isEmpty()) {
                all = all.subList(1, all.size()); // the first line is cut
            }
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + logFile + ": " + e.getMessage() + ")";
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ")";
    }

    private String tailForMessage() {
        return "\n--- last " + TAIL_LINES + " lines of " + logFile + " ---\n" + logTail(TAIL_LINES);
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChildProcessException("interrupted while waiting for a child process", e);
        }
    }

    /**
     * The shutdown hook: JDK calls only, because in a Quarkus test this class's loader may be
     * closed by the time the hook runs and could not load anything new.
     */
    private static void stopAllOnExit() {
        List<JavaProcess> children = new ArrayList<>(LIVE);
        long graceNanos = 0;
        for (JavaProcess child : children) {
            child.process.destroy();
            graceNanos = Math.max(graceNanos, child.shutdownGrace.toNanos());
        }
        long deadline = System.nanoTime() + graceNanos;
        for (JavaProcess child : children) {
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                if (!child.process.waitFor(left, TimeUnit.NANOSECONDS)) {
                    child.process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                child.process.destroyForcibly();
            }
        }
    }

    /** A readiness check; returning false or throwing both mean "not ready yet". */
    @FunctionalInterface
    public interface ReadinessProbe {
        boolean ready() throws Exception;
    }

    public static final class Builder {
        private final String name;
        private String mainClass;
        private Path jar;
        private final List<Path> classpath = new ArrayList<>();
        private final List<String> jvmArgs = new ArrayList<>();
        private final Map<String, String> systemProperties = new LinkedHashMap<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private final Map<String, String> secrets = new LinkedHashMap<>();
        private final List<String> args = new ArrayList<>();
        private Path logFile;
        private Path workingDir;
        private Path javaExecutable = Path.of(System.getProperty("java.home"), "bin", "java");
        private Duration shutdownGrace = DEFAULT_GRACE;
        private boolean dieWithParent = true;
        private int niceness;

        private Builder(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("name must not be blank");
            }
            this.name = name;
        }

        /** Run {@code mainClass} from {@link #classpath(List)}; excludes {@link #jar(Path)}. */
        public Builder mainClass(String mainClass) {
            this.mainClass = Objects.requireNonNull(mainClass, "mainClass");
            return this;
        }

        /** Run {@code java -jar jar} (classpath from its manifest); excludes {@link #mainClass(String)}. */
        public Builder jar(Path jar) {
            this.jar = Objects.requireNonNull(jar, "jar");
            return this;
        }

        public Builder classpath(List<Path> entries) {
            classpath.addAll(entries);
            return this;
        }

        public Builder classpath(Path... entries) {
            return classpath(List.of(entries));
        }

        /** E.g. {@code "-Xmx512m"}; passed before the system properties. */
        public Builder jvmArgs(String... jvmArgs) {
            this.jvmArgs.addAll(List.of(jvmArgs));
            return this;
        }

        /**
         * Passed as {@code -Dkey=value}, one argv entry each (no shell quoting involved); a key that
         * names a secret ({@link #isSecretKey(String)}) goes to {@link #secret(String, String)} instead.
         */
        public Builder systemProperty(String key, String value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            if (isSecretKey(key)) {
                return secret(key, value);
            }
            systemProperties.put(key, value);
            return this;
        }

        /**
         * A setting that must not be seen: in the child's environment as {@link #environmentName(String)
         * environmentName(key)}, never on its command line; its log names the variable, not the value.
         */
        public Builder secret(String key, String value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            systemProperties.remove(key);
            secrets.put(environmentName(key), value);
            return this;
        }

        public Builder secrets(Map<String, String> secrets) {
            secrets.forEach(this::secret);
            return this;
        }

        public Builder systemProperties(Map<String, String> properties) {
            properties.forEach(this::systemProperty);
            return this;
        }

        /** Added to (and overriding) the parent's environment. */
        public Builder env(String key, String value) {
            env.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** Program arguments, after the main class or jar. */
        public Builder args(String... args) {
            this.args.addAll(List.of(args));
            return this;
        }

        /** Required: stdout and stderr are appended here; parent folders are created. */
        public Builder logFile(Path logFile) {
            this.logFile = Objects.requireNonNull(logFile, "logFile");
            return this;
        }

        /** Defaults to the parent's working directory. */
        public Builder workingDir(Path workingDir) {
            this.workingDir = Objects.requireNonNull(workingDir, "workingDir");
            return this;
        }

        /** Defaults to the {@code java} of the running JVM. */
        public Builder javaExecutable(Path javaExecutable) {
            this.javaExecutable = Objects.requireNonNull(javaExecutable, "javaExecutable");
            return this;
        }

        /** How long {@link #close()} and the parent's shutdown hook wait after SIGTERM; default 10 s. */
        public Builder shutdownGrace(Duration grace) {
            if (grace.isNegative()) {
                throw new IllegalArgumentException("shutdownGrace must not be negative, was " + grace);
            }
            this.shutdownGrace = grace;
            return this;
        }

        /** Default true: the child exits when this JVM is gone, even after a SIGKILL. */
        public Builder dieWithParent(boolean dieWithParent) {
            this.dieWithParent = dieWithParent;
            return this;
        }

        /**
         * Lower CPU priority (Unix {@code nice}, 1-19): for background work that must not slow
         * the processes that matter on a machine with few cores. Ignored where there is no nice.
         */
        public Builder niceness(int niceness) {
            if (niceness < 0 || niceness > 19) {
                throw new IllegalArgumentException("niceness must be 0..19, was " + niceness);
            }
            this.niceness = niceness;
            return this;
        }

        /** The full command line, for logs and tests. */
        public List<String> command() {
            if ((mainClass == null) == (jar == null)) {
                throw new IllegalStateException(name + ": set exactly one of mainClass and jar");
            }
            if (jar != null && !classpath.isEmpty()) {
                throw new IllegalStateException(
                        name + ": java ignores a classpath with -jar; put it in the jar's manifest");
            }
            List<String> command = new ArrayList<>();
            if (niceness > 0 && Files.isExecutable(NICE)) {
                // nice execs java in its own place: the pid stays the JVM's
                command.addAll(List.of(NICE.toString(), "-n", String.valueOf(niceness)));
            }
            command.add(javaExecutable.toString());
            if (dieWithParent) {
                command.add("-javaagent:" + AgentJar.parentWatch() + "="
                        + ProcessHandle.current().pid());
            }
            command.addAll(jvmArgs);
            systemProperties.forEach((key, value) -> command.add("-D" + key + "=" + value));
            if (jar != null) {
                command.add("-jar");
                command.add(jar.toString());
            } else {
                if (!classpath.isEmpty()) {
                    command.add("-cp");
                    command.add(classpath.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)));
                }
                command.add(mainClass);
            }
            command.addAll(args);
            return command;
        }

        /** Starts the process and returns at once; see the {@code await*} methods. */
        public JavaProcess start() {
            if (logFile == null) {
                throw new IllegalStateException(name + ": logFile is required");
            }
            List<String> command = command();
            if (jar != null && !Files.isRegularFile(jar)) {
                throw new ChildProcessException(name + ": jar " + jar + " does not exist");
            }
            try {
                Path parent = logFile.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                long logStart = Files.exists(logFile) ? Files.size(logFile) : 0;
                Files.writeString(
                        logFile,
                        "=== " + Instant.now() + " starting " + name + ": " + String.join(" ", command)
                                + (secrets.isEmpty() ? "" : " (secrets in the environment: " + secrets.keySet() + ")")
                                + System.lineSeparator(),
                        StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
                ProcessBuilder builder = new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
                if (workingDir != null) {
                    builder.directory(workingDir.toFile());
                }
                builder.environment().putAll(env);
                builder.environment().putAll(secrets);
                Instant startedAt = Instant.now();
                Process process = builder.start();
                process.getOutputStream().close(); // the child reads EOF, never blocks on stdin
                JavaProcess child = new JavaProcess(name, process, logFile, logStart, shutdownGrace, startedAt);
                LIVE.add(child);
                process.onExit().thenRun(() -> LIVE.remove(child));
                LOG.debugf("started %s, log %s", child, logFile);
                return child;
            } catch (IOException e) {
                throw new UncheckedIOException(name + ": cannot start " + String.join(" ", command), e);
            }
        }
    }
}
