package io.twinview.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.jboss.logging.Logger;

/**
 * The embedded default infrastructure: a real single-node Kafka broker (KRaft, combined broker
 * and controller) and a real S3 endpoint (S3Proxy over a local folder), each a child JVM.
 *
 * <p>Layout under {@link Options#workDir()}:
 * <pre>
 * kafka/server.properties   kafka/data/   (KRaft metadata + topic logs, kept across restarts)
 * s3/s3proxy.properties     s3/data/      (one folder per bucket, kept across restarts)
 * logs/kafka.log            logs/s3proxy.log
 * </pre>
 * S3 credentials are fresh random ones for every start unless {@link Options#withS3Credentials} names
 * them: there is no default to guess. They reach S3Proxy in {@code s3proxy.properties}, readable by its
 * owner only (mode 0600), never on a command line, and are never logged.
 * The broker sets {@code message.max.bytes} to 8 MiB; a topic, producer and consumer that
 * move records near that size must raise {@code max.message.bytes}, {@code max.request.size}
 * and the fetch sizes too. Topics are never auto-created.
 */
public final class LocalStack implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LocalStack.class);

    public static final String KAFKA_BOOTSTRAP_SERVERS = "kafka.bootstrap.servers";
    public static final String STORAGE_ENDPOINT = "twinview.storage.endpoint";
    public static final String STORAGE_ACCESS_KEY = "twinview.storage.access-key";
    public static final String STORAGE_SECRET_KEY = "twinview.storage.secret-key";

    /** Broker-wide record size limit (after compression). */
    public static final int KAFKA_MESSAGE_MAX_BYTES = 8 << 20;

    /**
     * The JVM-wide lock for {@link #shared()}. A string literal is interned, so it is the same
     * object in every class loader: Quarkus tests load this class once per application (per
     * test profile), yet there must be one shared stack per JVM.
     */
    private static final String SHARED_LOCK = "io.twinview.stack.LocalStack.shared";
    /** System properties publishing the shared stack to other class loaders of this JVM. */
    private static final String SHARED_PREFIX = "io.twinview.stack.shared.";

    private static final String WORK_DIR_KEY = "work-dir";
    private static final String KAFKA_STARTUP_KEY = "kafka-startup-ms";
    private static final String S3_STARTUP_KEY = "s3-startup-ms";
    private static LocalStack shared;

    private final Path workDir;
    private final Map<String, String> config;
    private volatile JavaProcess kafka;
    private volatile JavaProcess s3proxy;
    /** Start the children again on their ports and data (fault injection); null on a view of the shared stack. */
    private final Relaunch kafkaRelaunch;

    private final Relaunch s3Relaunch;
    private final Duration kafkaStartup;
    private final Duration s3Startup;
    private final Duration stopGrace;
    /** False for the shared stack: only its shutdown hook stops it. */
    private final boolean closeable;

    private LocalStack(
            Path workDir,
            Map<String, String> config,
            JavaProcess kafka,
            JavaProcess s3proxy,
            Duration kafkaStartup,
            Duration s3Startup,
            Duration stopGrace,
            boolean closeable,
            Relaunch kafkaRelaunch,
            Relaunch s3Relaunch) {
        this.workDir = workDir;
        this.config = config;
        this.kafka = kafka;
        this.s3proxy = s3proxy;
        this.kafkaRelaunch = kafkaRelaunch;
        this.s3Relaunch = s3Relaunch;
        this.kafkaStartup = kafkaStartup;
        this.s3Startup = s3Startup;
        this.stopGrace = stopGrace;
        this.closeable = closeable;
    }

    /**
     * Starts both children and blocks until Kafka describes its cluster and S3Proxy answers
     * HTTP. Reuses data already under the work dir.
     *
     * @throws ChildProcessException if a child dies or is not ready within
     *                               {@link Options#startTimeout()}; the message ends with the
     *                               tail of its log. Both children are stopped first.
     * @throws IllegalStateException if a fixed port is taken
     */
    public static LocalStack start(Options options) {
        return start(options, null);
    }

    /**
     * As {@link #start(Options)}, with the broker in {@code kafkaSecurity}'s secure mode when it is not null:
     * the Kafka port is a SASL_SSL listener, the broker has {@link KafkaSecurity#mtlsBootstrapServers()} too,
     * and its users, ACLs and topics exist when this returns. Meant for a fresh work dir: SCRAM users are
     * created when the storage is first formatted.
     */
    public static LocalStack start(Options options, KafkaSecurity kafkaSecurity) {
        Path workDir = options.workDir().toAbsolutePath().normalize();
        int kafkaPort = Ports.resolve(options.kafkaPort(), "Kafka");
        int controllerPort = Ports.resolve(options.kafkaControllerPort(), "Kafka controller");
        while (controllerPort == kafkaPort && options.kafkaControllerPort() == 0) {
            controllerPort = Ports.free();
        }
        int s3Port = Ports.resolve(options.s3Port(), "S3");
        while ((s3Port == kafkaPort || s3Port == controllerPort) && options.s3Port() == 0) {
            s3Port = Ports.free();
        }
        String bootstrap = Ports.LOOPBACK + ":" + kafkaPort;
        String endpoint = "http://" + Ports.LOOPBACK + ":" + s3Port;

        Map<String, Object> secureSettings =
                kafkaSecurity == null ? Map.of() : kafkaSecurity.brokerSettings(kafkaPort, controllerPort);
        Path kafkaConfig = writeKafkaConfig(workDir.resolve("kafka"), kafkaPort, controllerPort, secureSettings);
        Path s3Config = writeS3ProxyConfig(workDir.resolve("s3"), endpoint, options);
        Path logs = workDir.resolve("logs");

        JavaProcess kafka = null;
        JavaProcess s3proxy = null;
        try {
            final int port = kafkaPort;
            final int storagePort = s3Port;
            JavaProcess.Builder kafkaBuilder = JavaProcess.builder("kafka");
            if (kafkaSecurity != null) {
                Path scram = kafkaSecurity.writeScramCredentials(
                        workDir.resolve("kafka").resolve("scram-credentials"));
                kafkaBuilder.systemProperty(KafkaBrokerMain.SCRAM_CREDENTIALS_PROPERTY, scram.toString());
            }
            kafkaBuilder
                    .mainClass(KafkaBrokerMain.class.getName())
                    .classpath(StackArtifacts.kafkaClasspath())
                    .jvmArgs("-Xms" + options.kafkaHeap(), "-Xmx" + options.kafkaHeap(), "-XX:+ExitOnOutOfMemoryError")
                    .systemProperty("java.awt.headless", "true")
                    .systemProperty("log4j2.configurationFile", "classpath:io/twinview/stack/kafka-log4j2.properties")
                    .args(kafkaConfig.toString())
                    .workingDir(kafkaConfig.getParent())
                    .logFile(logs.resolve("kafka.log"))
                    .shutdownGrace(options.stopGrace());
            kafka = kafkaBuilder.start();
            JavaProcess.Builder s3Builder = JavaProcess.builder("s3proxy")
                    .jar(StackArtifacts.s3proxyJar())
                    .jvmArgs("-Xmx" + options.s3Heap(), "-XX:+ExitOnOutOfMemoryError")
                    // logback inside the fat jar prints its whole status on a harmless config warning
                    .systemProperty("logback.statusListenerClass", "ch.qos.logback.core.status.NopStatusListener")
                    .args("--properties", s3Config.toString())
                    .workingDir(s3Config.getParent())
                    .logFile(logs.resolve("s3proxy.log"))
                    .shutdownGrace(options.stopGrace());
            s3proxy = s3Builder.start();

            Duration s3Startup = awaitS3(s3proxy, s3Port, endpoint, options.startTimeout());
            LOG.infof(
                    "S3Proxy ready at %s in %d ms (%s, log %s)",
                    endpoint, s3Startup.toMillis(), s3proxy, s3proxy.logFile());
            Map<String, Object> adminClient = kafkaSecurity == null
                    ? Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap)
                    : kafkaSecurity.adminClient(bootstrap);
            Duration kafkaStartup = awaitKafka(kafka, kafkaPort, bootstrap, adminClient, options.startTimeout());
            LOG.infof(
                    "Kafka ready at %s in %d ms (%s, log %s)",
                    bootstrap, kafkaStartup.toMillis(), kafka, kafka.logFile());
            if (kafkaSecurity != null) {
                try (Admin admin = Admin.create(adminClient)) {
                    kafkaSecurity.apply(admin);
                }
                LOG.infof(
                        "Kafka secure mode: users %s, TLS client certificates at %s",
                        kafkaSecurity.users(), kafkaSecurity.mtlsBootstrapServers());
            }

            Map<String, String> config = new LinkedHashMap<>();
            config.put(KAFKA_BOOTSTRAP_SERVERS, bootstrap);
            config.put(STORAGE_ENDPOINT, endpoint);
            config.put(STORAGE_ACCESS_KEY, options.s3AccessKey());
            config.put(STORAGE_SECRET_KEY, options.s3SecretKey());
            Duration timeout = options.startTimeout();
            return new LocalStack(
                    workDir,
                    Collections.unmodifiableMap(config),
                    kafka,
                    s3proxy,
                    kafkaStartup,
                    s3Startup,
                    options.stopGrace(),
                    true,
                    new Relaunch(kafkaBuilder, child -> awaitKafka(child, port, bootstrap, adminClient, timeout)),
                    new Relaunch(s3Builder, child -> awaitS3(child, storagePort, endpoint, timeout)));
        } catch (RuntimeException e) {
            stopQuietly(kafka, s3proxy, Duration.ofSeconds(5));
            throw e;
        }
    }

    /**
     * One stack per JVM for tests: a temp work dir, free ports, stopped and deleted by a
     * shutdown hook. {@link #close()} on it does nothing, so tests may use try-with-resources
     * or not. Thread-safe; started on first use.
     */
    public static LocalStack shared() {
        synchronized (SHARED_LOCK) {
            if (shared == null) {
                shared = attachToShared().orElseGet(LocalStack::startShared);
            }
            return shared;
        }
    }

    public String kafkaBootstrapServers() {
        return config.get(KAFKA_BOOTSTRAP_SERVERS);
    }

    public String s3Endpoint() {
        return config.get(STORAGE_ENDPOINT);
    }

    public String s3AccessKey() {
        return config.get(STORAGE_ACCESS_KEY);
    }

    public String s3SecretKey() {
        return config.get(STORAGE_SECRET_KEY);
    }

    /**
     * The settings a service needs, keyed as in its {@code application.properties}:
     * {@value #KAFKA_BOOTSTRAP_SERVERS}, {@value #STORAGE_ENDPOINT}, {@value #STORAGE_ACCESS_KEY},
     * {@value #STORAGE_SECRET_KEY}.
     */
    public Map<String, String> config() {
        return config;
    }

    public Path workDir() {
        return workDir;
    }

    public Path kafkaLog() {
        return workDir.resolve("logs").resolve("kafka.log");
    }

    public Path s3Log() {
        return workDir.resolve("logs").resolve("s3proxy.log");
    }

    /** From launching the Kafka JVM to a successful {@code describeCluster}. */
    public Duration kafkaStartup() {
        return kafkaStartup;
    }

    /** From launching the S3Proxy JVM to its first HTTP answer. */
    public Duration s3Startup() {
        return s3Startup;
    }

    /**
     * Stops both children (SIGTERM to both, then SIGKILL after the grace period) and waits for
     * them. Data stays under the work dir. Does nothing on the {@link #shared()} stack.
     */
    @Override
    public void close() {
        if (!closeable) {
            LOG.debug("close() on the shared stack ignored: it stops when the JVM exits");
            return;
        }
        long started = System.nanoTime();
        stopChildren();
        LOG.infof(
                "stack under %s stopped in %d ms",
                workDir, Duration.ofNanos(System.nanoTime() - started).toMillis());
    }

    /** How to start a child again on its port and data, and wait until it serves. */
    private record Relaunch(JavaProcess.Builder builder, Function<JavaProcess, Duration> await) {}

    /**
     * Stops the broker, keeping its data (fault injection: a broker outage). SIGKILL when {@code hard},
     * else SIGTERM and the stop grace. {@link #startBroker()} brings it back on the same port.
     */
    public synchronized void stopBroker(boolean hard) {
        requireOwned("stopBroker");
        stopChild(kafka, hard);
    }

    /** Starts the broker stopped by {@link #stopBroker}, on its port and data; returns when it serves. */
    public synchronized Duration startBroker() {
        requireOwned("startBroker");
        if (kafka.isAlive()) {
            throw new IllegalStateException("the broker is running: " + kafka);
        }
        kafka = kafkaRelaunch.builder().start();
        Duration ready = kafkaRelaunch.await().apply(kafka);
        LOG.infof("Kafka back at %s in %d ms", kafkaBootstrapServers(), ready.toMillis());
        return ready;
    }

    /** Stops S3Proxy, keeping its data (fault injection: a storage outage); see {@link #startStorage()}. */
    public synchronized void stopStorage(boolean hard) {
        requireOwned("stopStorage");
        stopChild(s3proxy, hard);
    }

    /** Starts S3Proxy stopped by {@link #stopStorage}, on its port and data; returns when it serves. */
    public synchronized Duration startStorage() {
        requireOwned("startStorage");
        if (s3proxy.isAlive()) {
            throw new IllegalStateException("S3Proxy is running: " + s3proxy);
        }
        s3proxy = s3Relaunch.builder().start();
        Duration ready = s3Relaunch.await().apply(s3proxy);
        LOG.infof("S3Proxy back at %s in %d ms", s3Endpoint(), ready.toMillis());
        return ready;
    }

    public boolean brokerRunning() {
        return kafka != null && kafka.isAlive();
    }

    public boolean storageRunning() {
        return s3proxy != null && s3proxy.isAlive();
    }

    private void stopChild(JavaProcess child, boolean hard) {
        if (hard) {
            child.kill();
        } else {
            child.stop(stopGrace);
        }
        LOG.infof("%s stopped (%s)", child, hard ? "SIGKILL" : "SIGTERM");
    }

    private void requireOwned(String what) {
        if (kafkaRelaunch == null || !closeable) {
            throw new IllegalStateException(what + ": only a stack this process started and owns (not the shared"
                    + " stack) can be stopped and started");
        }
    }

    private void stopChildren() {
        if (kafka == null) {
            return; // a view of a stack owned by another class loader
        }
        kafka.terminate();
        s3proxy.terminate();
        kafka.stop(stopGrace);
        s3proxy.stop(stopGrace);
    }

    private static Duration awaitS3(JavaProcess s3proxy, int port, String endpoint, Duration timeout) {
        s3proxy.awaitPort(Ports.LOOPBACK, port, timeout);
        s3proxy.awaitReady("S3Proxy at " + endpoint + " to answer HTTP", remaining(s3proxy, timeout), () -> {
            HttpURLConnection connection =
                    (HttpURLConnection) URI.create(endpoint + "/").toURL().openConnection();
            connection.setConnectTimeout(1000);
            connection.setReadTimeout(2000);
            try {
                return connection.getResponseCode() > 0; // 403 without credentials: it is serving
            } finally {
                connection.disconnect();
            }
        });
        return Duration.between(s3proxy.startedAt(), Instant.now());
    }

    private static Duration awaitKafka(
            JavaProcess kafka, int port, String bootstrap, Map<String, Object> client, Duration timeout) {
        kafka.awaitPort(Ports.LOOPBACK, port, timeout);
        Map<String, Object> readiness = new LinkedHashMap<>(client);
        readiness.put(AdminClientConfig.CLIENT_ID_CONFIG, "twinview-stack-readiness");
        readiness.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
        readiness.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
        Admin admin = Admin.create(readiness);
        try {
            kafka.awaitReady(
                    "Kafka at " + bootstrap + " to describe its cluster",
                    remaining(kafka, timeout),
                    () -> !admin.describeCluster()
                            .nodes()
                            .get(3, TimeUnit.SECONDS)
                            .isEmpty());
        } finally {
            admin.close(Duration.ofSeconds(2));
        }
        return Duration.between(kafka.startedAt(), Instant.now());
    }

    private static Duration remaining(JavaProcess process, Duration timeout) {
        Duration left = timeout.minus(Duration.between(process.startedAt(), Instant.now()));
        return left.isNegative() ? Duration.ZERO : left;
    }

    /** The plain single-node settings, then {@code secure} over them (empty in the default local mode). */
    private static Path writeKafkaConfig(Path dir, int port, int controllerPort, Map<String, Object> secure) {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("process.roles", "broker,controller");
        settings.put("node.id", 1);
        settings.put("controller.quorum.voters", "1@" + Ports.LOOPBACK + ":" + controllerPort);
        settings.put(
                "listeners",
                "PLAINTEXT://" + Ports.LOOPBACK + ":" + port + ",CONTROLLER://" + Ports.LOOPBACK + ":"
                        + controllerPort);
        settings.put("advertised.listeners", "PLAINTEXT://" + Ports.LOOPBACK + ":" + port);
        settings.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        settings.put("controller.listener.names", "CONTROLLER");
        settings.put("inter.broker.listener.name", "PLAINTEXT");
        settings.put("log.dirs", dir.resolve("data"));
        settings.put("num.partitions", 1);
        settings.put("default.replication.factor", 1);
        // single node: every internal topic with one replica, and few partitions (they cost
        // start-up time and nothing here needs them)
        settings.put("offsets.topic.replication.factor", 1);
        settings.put("offsets.topic.num.partitions", 1);
        settings.put("transaction.state.log.replication.factor", 1);
        settings.put("transaction.state.log.min.isr", 1);
        settings.put("transaction.state.log.num.partitions", 1);
        settings.put("share.coordinator.state.topic.replication.factor", 1);
        settings.put("share.coordinator.state.topic.min.isr", 1);
        settings.put("share.coordinator.state.topic.num.partitions", 1);
        settings.put("group.initial.rebalance.delay.ms", 0);
        settings.put("auto.create.topics.enable", false);
        settings.put("message.max.bytes", KAFKA_MESSAGE_MAX_BYTES);
        settings.putAll(secure);
        return writeProperties(dir.resolve("server.properties"), settings);
    }

    /** S3Proxy's own copy of the credentials: a file only its owner may read. */
    private static Path writeS3ProxyConfig(Path dir, String endpoint, Options options) {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("s3proxy.endpoint", endpoint);
        settings.put("s3proxy.authorization", "aws-v2-or-v4");
        settings.put("s3proxy.identity", options.s3AccessKey());
        settings.put("s3proxy.credential", options.s3SecretKey());
        settings.put("jclouds.provider", "filesystem");
        settings.put("jclouds.identity", options.s3AccessKey());
        settings.put("jclouds.credential", options.s3SecretKey());
        settings.put("jclouds.filesystem.basedir", dir.resolve("data"));
        try {
            Files.createDirectories(dir.resolve("data"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir.resolve("data"), e);
        }
        Path file = dir.resolve("s3proxy.properties");
        try {
            Files.createDirectories(dir);
            Files.deleteIfExists(file); // created again below with the owner's permissions only
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the file gets the folder's default permissions
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + file, e);
        }
        return writeProperties(file, settings);
    }

    /** Plain {@code key=value} lines in order; values only need backslashes escaped. */
    private static Path writeProperties(Path file, Map<String, Object> settings) {
        String text = settings.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue().toString().replace("\\", "\\\\"))
                .collect(Collectors.joining("\n", "# written by twinview LocalStack on every start\n", "\n"));
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static void stopQuietly(JavaProcess kafka, JavaProcess s3proxy, Duration grace) {
        for (JavaProcess child : new JavaProcess[] {kafka, s3proxy}) {
            if (child != null) {
                try {
                    child.stop(grace);
                } catch (RuntimeException e) {
                    LOG.warnf(e, "could not stop %s", child);
                }
            }
        }
    }

    private static LocalStack startShared() {
        Path workDir;
        try {
            workDir = Files.createTempDirectory("twinview-stack-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temp dir for the shared stack", e);
        }
        LocalStack stack = start(Options.in(workDir)).asShared();
        // JDK calls only in the hook: a Quarkus test may have closed this class loader by then
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            try {
                                stack.stopChildren();
                            } finally {
                                deleteRecursively(workDir);
                            }
                        },
                        "twinview-stack-shutdown"));
        stack.config.forEach((key, value) -> System.setProperty(SHARED_PREFIX + key, value));
        System.setProperty(SHARED_PREFIX + WORK_DIR_KEY, workDir.toString());
        System.setProperty(SHARED_PREFIX + KAFKA_STARTUP_KEY, Long.toString(stack.kafkaStartup.toMillis()));
        System.setProperty(SHARED_PREFIX + S3_STARTUP_KEY, Long.toString(stack.s3Startup.toMillis()));
        LOG.infof(
                "shared stack for this JVM: %s", stack.config.get(KAFKA_BOOTSTRAP_SERVERS) + ", " + stack.s3Endpoint());
        return stack;
    }

    /** The shared stack started by another class loader of this JVM, if any. */
    private static Optional<LocalStack> attachToShared() {
        String workDir = System.getProperty(SHARED_PREFIX + WORK_DIR_KEY);
        if (workDir == null) {
            return Optional.empty();
        }
        Map<String, String> config = new LinkedHashMap<>();
        for (String key :
                new String[] {KAFKA_BOOTSTRAP_SERVERS, STORAGE_ENDPOINT, STORAGE_ACCESS_KEY, STORAGE_SECRET_KEY}) {
            config.put(key, Objects.requireNonNull(System.getProperty(SHARED_PREFIX + key), key));
        }
        return Optional.of(new LocalStack(
                Path.of(workDir),
                Collections.unmodifiableMap(config),
                null,
                null,
                Duration.ofMillis(Long.parseLong(System.getProperty(SHARED_PREFIX + KAFKA_STARTUP_KEY))),
                Duration.ofMillis(Long.parseLong(System.getProperty(SHARED_PREFIX + S3_STARTUP_KEY))),
                Duration.ZERO,
                false,
                null,
                null));
    }

    private LocalStack asShared() {
        return new LocalStack(workDir, config, kafka, s3proxy, kafkaStartup, s3Startup, stopGrace, false, null, null);
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        } catch (IOException | RuntimeException e) {
            // best effort at JVM exit: a temp dir left behind is harmless
        }
    }

    /**
     * Where and how to run the stack. {@link #in(Path)} gives the defaults; ports 0 mean "pick a
     * free one".
     *
     * @param workDir             data and logs; created if absent, reused if present
     * @param kafkaPort           the client listener (PLAINTEXT; SASL_SSL in {@link KafkaSecurity}'s secure
     *                            mode), default 0
     * @param kafkaControllerPort the KRaft controller listener, default 0
     * @param s3Port              S3Proxy's HTTP port, default 0
     * @param kafkaHeap           the broker JVM's -Xms and -Xmx, default {@code 512m}
     * @param s3Heap              S3Proxy's -Xmx, default {@code 256m}
     * @param s3AccessKey         default: 20 random characters, new for every {@link #in(Path)}
     * @param s3SecretKey         default: 40 random characters, new for every {@link #in(Path)}
     * @param startTimeout        per child, from launch to ready, default 2 min (2 shared cores)
     * @param stopGrace           SIGTERM to SIGKILL, default 15 s
     */
    public record Options(
            Path workDir,
            int kafkaPort,
            int kafkaControllerPort,
            int s3Port,
            String kafkaHeap,
            String s3Heap,
            String s3AccessKey,
            String s3SecretKey,
            Duration startTimeout,
            Duration stopGrace) {

        private static final Pattern HEAP = Pattern.compile("[1-9][0-9]*[kKmMgG]?");
        private static final String KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        private static final SecureRandom RANDOM = new SecureRandom();

        public Options {
            Objects.requireNonNull(workDir, "workDir");
            checkPort("kafkaPort", kafkaPort);
            checkPort("kafkaControllerPort", kafkaControllerPort);
            checkPort("s3Port", s3Port);
            checkHeap("kafkaHeap", kafkaHeap);
            checkHeap("s3Heap", s3Heap);
            checkKey("s3AccessKey", s3AccessKey);
            checkKey("s3SecretKey", s3SecretKey);
            checkPositive("startTimeout", startTimeout);
            checkPositive("stopGrace", stopGrace);
        }

        public static Options in(Path workDir) {
            return new Options(
                    workDir,
                    0,
                    0,
                    0,
                    "512m",
                    "256m",
                    randomKey(20),
                    randomKey(40),
                    Duration.ofMinutes(2),
                    Duration.ofSeconds(15));
        }

        public Options withKafkaPort(int port) {
            return new Options(
                    workDir,
                    port,
                    kafkaControllerPort,
                    s3Port,
                    kafkaHeap,
                    s3Heap,
                    s3AccessKey,
                    s3SecretKey,
                    startTimeout,
                    stopGrace);
        }

        public Options withKafkaControllerPort(int port) {
            return new Options(
                    workDir,
                    kafkaPort,
                    port,
                    s3Port,
                    kafkaHeap,
                    s3Heap,
                    s3AccessKey,
                    s3SecretKey,
                    startTimeout,
                    stopGrace);
        }

        public Options withS3Port(int port) {
            return new Options(
                    workDir,
                    kafkaPort,
                    kafkaControllerPort,
                    port,
                    kafkaHeap,
                    s3Heap,
                    s3AccessKey,
                    s3SecretKey,
                    startTimeout,
                    stopGrace);
        }

        public Options withKafkaHeap(String heap) {
            return new Options(
                    workDir,
                    kafkaPort,
                    kafkaControllerPort,
                    s3Port,
                    heap,
                    s3Heap,
                    s3AccessKey,
                    s3SecretKey,
                    startTimeout,
                    stopGrace);
        }

        public Options withS3Heap(String heap) {
            return new Options(
                    workDir,
                    kafkaPort,
                    kafkaControllerPort,
                    s3Port,
                    kafkaHeap,
                    heap,
                    s3AccessKey,
                    s3SecretKey,
                    startTimeout,
                    stopGrace);
        }

        public Options withS3Credentials(String accessKey, String secretKey) {
            return new Options(
                    workDir,
                    kafkaPort,
                    kafkaControllerPort,
                    s3Port,
                    kafkaHeap,
                    s3Heap,
                    accessKey,
                    secretKey,
                    startTimeout,
                    stopGrace);
        }

        public Options withStartTimeout(Duration timeout) {
            return new Options(
                    workDir,
                    kafkaPort,
                    kafkaControllerPort,
                    s3Port,
                    kafkaHeap,
                    s3Heap,
                    s3AccessKey,
                    s3SecretKey,
                    timeout,
                    stopGrace);
        }

        public Options withStopGrace(Duration grace) {
            return new Options(
                    workDir,
                    kafkaPort,
                    kafkaControllerPort,
                    s3Port,
                    kafkaHeap,
                    s3Heap,
                    s3AccessKey,
                    s3SecretKey,
                    startTimeout,
                    grace);
        }

        private static void checkPort(String field, int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException(field + " must be 0 (pick a free one) or 1..65535, was " + port);
            }
        }

        private static void checkHeap(String field, String heap) {
            if (heap == null || !HEAP.matcher(heap).matches()) {
                throw new IllegalArgumentException(field + " must be a JVM heap size like 512m or 1g, was " + heap);
            }
        }

        /** The message never holds the value: it is a credential. */
        private static void checkKey(String field, String key) {
            if (key == null || key.isBlank() || key.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException(field + " must be non-blank without whitespace, was "
                        + (key == null ? "null" : "a value of " + key.length() + " characters"));
            }
        }

        /** Letters and digits from a {@link SecureRandom}: about 5.95 bits each. */
        private static String randomKey(int length) {
            StringBuilder key = new StringBuilder(length);
            for (int i = 0; i < length; i++) {
                key.append(KEY_ALPHABET.charAt(RANDOM.nextInt(KEY_ALPHABET.length())));
            }
            return key.toString();
        }

        private static void checkPositive(String field, Duration duration) {
            if (duration == null || duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException(field + " must be a positive duration, was " + duration);
            }
        }
    }
}
