package io.twinview.cli;

import io.twinview.core.kafka.KafkaAcls;
import io.twinview.core.kafka.Topics;
import io.twinview.stack.JavaProcess;
import io.twinview.stack.KafkaSecurity;
import io.twinview.stack.LocalStack;
import io.twinview.stack.Ports;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.SaslConfigs;

/**
 * The whole system on one machine: a Kafka broker and an S3 endpoint (children of {@link LocalStack})
 * and the three services, each its own JVM started from its Quarkus fast-jar. Everything started
 * here is stopped by {@link #close()}, or by the JVM's shutdown hooks on Ctrl-C. trainer and eval
 * serve gRPC on loopback with TLS and a fresh operator token ({@link LocalGrpcSecurity}).
 */
public final class Pipeline implements AutoCloseable {

    /**
     * Where and how to run.
     *
     * @param home the repository root (the services' target/quarkus-app folders are found there)
     * @param workDir data and logs
     * @param ports fixed ports, or all zeros for free ones
     * @param trainerThreads PyTorch threads of the trainer (0 = all cores)
     * @param evalThreads PyTorch threads of eval-service
     * @param augmentThreads augmentation threads of the worker
     */
    public record Options(
            Path home,
            Path workDir,
            PortPlan ports,
            int trainerThreads,
            int evalThreads,
            int augmentThreads,
            boolean resumeUnfinished) {}

    /** Ports of every endpoint; zero = pick a free one. */
    public record PortPlan(
            int kafka,
            int kafkaController,
            int s3,
            int trainerGrpc,
            int trainerHttp,
            int evalGrpc,
            int evalHttp,
            int augmentHttp) {

        /** The fixed ports of {@code ./twinview up}, which train and eval connect to by default. */
        public static final PortPlan DEFAULT = new PortPlan(19092, 19093, 19000, 9101, 8101, 9102, 8102, 8103);

        public static PortPlan free() {
            return new PortPlan(0, 0, 0, 0, 0, 0, 0, 0);
        }
    }

    /** The bucket the services keep runs in. */
    public static final String BUCKET = "twinview";

    private static final Duration SERVICE_START = Duration.ofMinutes(3);

    private final LocalStack stack;
    private final List<JavaProcess> services;
    private final Map<String, ServiceLaunch> launches;
    private final String trainerAddress;
    private final String evalAddress;
    private final Path logs;
    private final LocalGrpcSecurity grpc;

    /** How a service was started, to start it again. {@code environment}: its secrets, never on its command line. */
    private record ServiceLaunch(
            String name,
            Path jar,
            String heap,
            Map<String, String> properties,
            Map<String, String> environment,
            Path logs,
            int port,
            int niceness) {
        JavaProcess start() {
            JavaProcess.Builder builder = JavaProcess.builder(name);
            environment.forEach(builder::env);
            return builder.niceness(niceness)
                    .jar(jar)
                    .jvmArgs("-Xmx" + heap, "-XX:+ExitOnOutOfMemoryError")
                    .systemProperties(properties)
                    .systemProperty("ai.djl.offline", "true")
                    .logFile(logs.resolve(name + ".log"))
                    .workingDir(jar.getParent())
                    .start();
        }
    }

    private Pipeline(
            LocalStack stack,
            List<JavaProcess> services,
            Map<String, ServiceLaunch> launches,
            String trainerAddress,
            String evalAddress,
            Path logs,
            LocalGrpcSecurity grpc) {
        this.stack = stack;
        this.services = services;
        this.launches = launches;
        this.trainerAddress = trainerAddress;
        this.evalAddress = evalAddress;
        this.logs = logs;
        this.grpc = grpc;
    }

    public static Pipeline start(Options options, Console console) {
        return start(options, console, null);
    }

    /**
     * The three services' Kafka users in the broker's secure mode: the users of {@link KafkaAcls}, and of the
     * Strimzi KafkaUsers.
     */
    static final Map<String, String> KAFKA_USERS = Map.of(
            "trainer-service", KafkaAcls.TRAINER_USER,
            "eval-service", KafkaAcls.EVAL_USER,
            "augment-service", KafkaAcls.AUGMENT_USER);

    /**
     * The broker's secure mode as a Strimzi cluster would have it: each service's user with {@link KafkaAcls},
     * and the shared topics created by the admin (KafkaTopics), since no service may create them.
     */
    public static KafkaSecurity secureKafka(Path dir) {
        return KafkaSecurity.generate(
                dir,
                KafkaAcls.defaults(),
                List.of(
                        Topics.tasksTopic(Topics.DEFAULT_TASKS_TOPIC, Topics.DEFAULT_TASKS_PARTITIONS),
                        Topics.checkpointsTopic(Topics.DEFAULT_CHECKPOINTS_TOPIC),
                        Topics.deadLetterTopic(Topics.DEFAULT_DEAD_LETTER_TOPIC)));
    }

    /**
     * As {@link #start(Options, Console)}, with the broker in {@code kafkaSecurity}'s secure mode when it is not
     * null ({@link #secureKafka}): every service speaks SASL_SSL as its own SCRAM user ({@link #KAFKA_USERS}),
     * its JAAS line (the password) in its environment as {@code KAFKA_SASL_JAAS_CONFIG}.
     */
    public static Pipeline start(Options options, Console console, KafkaSecurity kafkaSecurity) {
        return start(options, console, kafkaSecurity, Map.of());
    }

    /**
     * As {@link #start(Options, Console, KafkaSecurity)}, with further system properties for some services, by
     * service name ({@code trainer-service}, {@code eval-service}, {@code augment-service}): settings a test or a
     * bench changes, such as lowered client timeouts ({@code ./twinview bench chaos}).
     */
    public static Pipeline start(
            Options options,
            Console console,
            KafkaSecurity kafkaSecurity,
            Map<String, Map<String, String>> serviceSettings) {
        ServiceJars jars = ServiceJars.in(options.home());
        PortPlan ports = options.ports();
        LocalStack.Options stackOptions = LocalStack.Options.in(options.workDir())
                .withKafkaPort(ports.kafka())
                .withKafkaControllerPort(ports.kafkaController())
                .withS3Port(ports.s3());
        console.info("starting Kafka (KRaft) and S3 (S3Proxy) under " + options.workDir());
        LocalStack stack = LocalStack.start(stackOptions, kafkaSecurity);
        console.info("  Kafka " + stack.kafkaBootstrapServers() + " (ready in "
                + stack.kafkaStartup().toMillis() + " ms), S3 " + stack.s3Endpoint() + " (ready in "
                + stack.s3Startup().toMillis() + " ms)");
        Path logs = options.workDir().resolve("logs");
        List<JavaProcess> services = new ArrayList<>();
        LocalGrpcSecurity grpc = null;
        try {
            int trainerGrpc = port(ports.trainerGrpc(), "trainer gRPC");
            int evalGrpc = port(ports.evalGrpc(), "eval gRPC");
            int augmentHttp = port(ports.augmentHttp(), "augment HTTP");
            // after the port checks: a second ./twinview up must not replace the running one's token
            grpc = LocalGrpcSecurity.create(options.workDir());
            Map<String, Map<String, String>> properties = serviceProperties(
                    stack.config(),
                    options,
                    trainerGrpc,
                    port(ports.trainerHttp(), "trainer HTTP"),
                    evalGrpc,
                    port(ports.evalHttp(), "eval HTTP"),
                    augmentHttp);
            serviceSettings.forEach((service, settings) -> {
                if (!properties.containsKey(service)) {
                    throw new IllegalArgumentException("no service " + service + " to set " + settings.keySet()
                            + " on; services: " + properties.keySet());
                }
                properties.get(service).putAll(settings);
            });
            Map<String, String> trainer = properties.get("trainer-service");
            Map<String, String> eval = properties.get("eval-service");
            trainer.putAll(grpc.serverProperties());
            eval.putAll(grpc.serverProperties());
            Map<String, String> augment = properties.get("augment-service");
            Map<String, Map<String, String>> environments = new LinkedHashMap<>();
            for (String service : properties.keySet()) {
                environments.put(
                        service,
                        kafkaSecurity == null ? Map.of() : kafkaUser(kafkaSecurity, service, properties.get(service)));
            }

            console.info("starting trainer-service, eval-service and augment-service");
            Map<String, ServiceLaunch> launches = new LinkedHashMap<>();
            launches.put(
                    "trainer-service",
                    new ServiceLaunch(
                            "trainer-service",
                            jars.trainer(),
                            "2g",
                            trainer,
                            environments.get("trainer-service"),
                            logs,
                            trainerGrpc,
                            0));
            // evaluating intermediate checkpoints is background work: it must not slow the training it reports on
            launches.put(
                    "eval-service",
                    new ServiceLaunch(
                            "eval-service",
                            jars.eval(),
                            "2g",
                            eval,
                            environments.get("eval-service"),
                            logs,
                            evalGrpc,
                            10));
            launches.put(
                    "augment-service",
                    new ServiceLaunch(
                            "augment-service",
                            jars.augment(),
                            "1g",
                            augment,
                            environments.get("augment-service"),
                            logs,
                            augmentHttp,
                            0));
            for (ServiceLaunch launch : launches.values()) {
                services.add(launch.start());
            }
            for (int i = 0; i < services.size(); i++) {
                services.get(i)
                        .awaitPort(
                                Ports.LOOPBACK,
                                List.copyOf(launches.values()).get(i).port(),
                                SERVICE_START);
            }
            console.info("  trainer gRPC " + Ports.LOOPBACK + ":" + trainerGrpc + ", eval gRPC " + Ports.LOOPBACK + ":"
                    + evalGrpc + ", augment health http://" + Ports.LOOPBACK + ":" + augmentHttp + "/q/health; logs in "
                    + logs);
            console.info("  gRPC over TLS (" + grpc.access().tlsCa() + "), operator token in " + grpc.tokenFile());
            return new Pipeline(
                    stack,
                    services,
                    launches,
                    Ports.LOOPBACK + ":" + trainerGrpc,
                    Ports.LOOPBACK + ":" + evalGrpc,
                    logs,
                    grpc);
        } catch (RuntimeException e) {
            services.forEach(JavaProcess::close);
            stack.close();
            if (grpc != null) {
                grpc.delete();
            }
            throw e;
        }
    }

    public String trainerAddress() {
        return trainerAddress;
    }

    public String evalAddress() {
        return evalAddress;
    }

    public Path logs() {
        return logs;
    }

    /** TLS trust and operator token for clients of this pipeline's gRPC services. */
    GrpcAccess access() {
        return grpc.access();
    }

    public String s3Endpoint() {
        return stack.s3Endpoint();
    }

    public String kafkaBootstrapServers() {
        return stack.kafkaBootstrapServers();
    }

    /** A started service by name. */
    public synchronized JavaProcess service(String name) {
        return services.stream()
                .filter(s -> s.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no service " + name));
    }

    /** Starts a service again, same ports and settings, after it stopped or was killed. */
    public JavaProcess restart(String name) {
        ServiceLaunch launch;
        JavaProcess started;
        synchronized (this) {
            launch = launches.get(name);
            if (launch == null) {
                throw new IllegalArgumentException("no service " + name);
            }
            JavaProcess old = service(name);
            old.close();
            started = launch.start();
            services.set(services.indexOf(old), started);
        }
        // waited for without the lock: a slow start of one service must not hold up a kill of another
        return started.awaitPort(Ports.LOOPBACK, launch.port(), SERVICE_START);
    }

    /**
     * Starts one more process of service {@code name} beside the running one, as {@code processName} (its
     * log file), with {@code overrides} over its settings (its own ports, ...) and listening on
     * {@code port}: two trainers on one stack. The caller closes it.
     */
    public JavaProcess startAnother(String name, String processName, Map<String, String> overrides, int port) {
        ServiceLaunch launch = launches.get(name);
        if (launch == null) {
            throw new IllegalArgumentException("no service " + name);
        }
        Map<String, String> properties = new LinkedHashMap<>(launch.properties());
        properties.putAll(overrides);
        JavaProcess started = new ServiceLaunch(
                        processName,
                        launch.jar(),
                        launch.heap(),
                        properties,
                        launch.environment(),
                        launch.logs(),
                        port,
                        launch.niceness())
                .start();
        try {
            return started.awaitPort(Ports.LOOPBACK, port, SERVICE_START);
        } catch (RuntimeException e) {
            started.close();
            throw e;
        }
    }

    /**
     * Starts one more augment worker, as the first one but on its own HTTP port and with {@code name} as its worker
     * id and log name; {@link #service}, {@link #restart} and {@link #close} know it by that name.
     */
    public synchronized JavaProcess startWorker(String name) {
        if (launches.containsKey(name)) {
            throw new IllegalArgumentException("a service named " + name + " was already started");
        }
        ServiceLaunch first = launches.get("augment-service");
        int port = Ports.free();
        Map<String, String> properties = new LinkedHashMap<>(first.properties());
        properties.put("quarkus.http.port", String.valueOf(port));
        properties.put("twinview.augment.worker-id", name);
        ServiceLaunch launch = new ServiceLaunch(
                name, first.jar(), first.heap(), properties, first.environment(), first.logs(), port, first.niceness());
        launches.put(name, launch);
        JavaProcess started = launch.start();
        services.add(started);
        return started;
    }

    /** The HTTP (health) port of an augment worker, or the gRPC port of trainer or eval, by service name. */
    public synchronized int port(String name) {
        ServiceLaunch launch = launches.get(name);
        if (launch == null) {
            throw new IllegalArgumentException("no service " + name);
        }
        return launch.port();
    }

    /** The broker and S3 endpoint this pipeline started (owned: they can be stopped and started again). */
    public LocalStack stack() {
        return stack;
    }

    /** A channel to trainer-service with this pipeline's TLS trust and operator token. */
    public io.grpc.ManagedChannel trainerChannel() {
        return Grpc.channel(trainerAddress, grpc.access());
    }

    /** A channel to eval-service with this pipeline's TLS trust and operator token. */
    public io.grpc.ManagedChannel evalChannel() {
        return Grpc.channel(evalAddress, grpc.access());
    }

    /** Stops the services, then Kafka and S3. */
    @Override
    public void close() {
        for (int i = services.size() - 1; i >= 0; i--) {
            services.get(i).close();
        }
        stack.close();
        grpc.delete();
    }

    /** The fixed port, or a free one for 0; a taken fixed port is an error that says so. */
    /**
     * System properties of each service, by name. All three get the stack's Kafka and S3 settings
     * ({@link LocalStack#config()}: bootstrap servers, storage endpoint and credentials) and the
     * bucket: trainer and eval keep runs there, and all three read {@code SCHEME:s3://...} datasets
     * with them (augment workers skip such tasks without an endpoint). The S3 keys, and any other
     * setting that names a secret, reach a service in its environment, never on its command line
     * ({@link JavaProcess.Builder#systemProperty}).
     */
    static Map<String, Map<String, String>> serviceProperties(
            Map<String, String> stackConfig,
            Options options,
            int trainerGrpc,
            int trainerHttp,
            int evalGrpc,
            int evalHttp,
            int augmentHttp) {
        Map<String, String> common = new LinkedHashMap<>(stackConfig);
        common.put("twinview.storage.bucket", BUCKET);
        common.put("twinview.datasets.roots", datasetRoots(options.home(), System.getenv("TWINVIEW_DATASETS_ROOTS")));

        Map<String, String> trainer = new LinkedHashMap<>(common);
        trainer.put("quarkus.grpc.server.port", String.valueOf(trainerGrpc));
        trainer.put("quarkus.http.port", String.valueOf(trainerHttp));
        trainer.put("twinview.trainer.threads", String.valueOf(options.trainerThreads()));
        trainer.put("twinview.trainer.resume-unfinished", String.valueOf(options.resumeUnfinished()));
        // one name across restarts: a trainer started again after a crash takes its run's lease back at once
        trainer.put("twinview.trainer.instance-id", "trainer-service");
        Map<String, String> eval = new LinkedHashMap<>(common);
        eval.put("quarkus.grpc.server.port", String.valueOf(evalGrpc));
        eval.put("quarkus.http.port", String.valueOf(evalHttp));
        eval.put("twinview.eval.threads", String.valueOf(options.evalThreads()));
        Map<String, String> augment = new LinkedHashMap<>(common);
        augment.put("quarkus.http.port", String.valueOf(augmentHttp));
        augment.put("twinview.augment.threads", String.valueOf(options.augmentThreads()));
        Map<String, Map<String, String>> all = new LinkedHashMap<>();
        all.put("trainer-service", trainer);
        all.put("eval-service", eval);
        all.put("augment-service", augment);
        return all;
    }

    /**
     * Adds {@code service}'s SCRAM client settings to its system properties ({@code kafka.*}), all but the JAAS
     * line, which is returned as its environment.
     */
    private static Map<String, String> kafkaUser(
            KafkaSecurity kafkaSecurity, String service, Map<String, String> properties) {
        Map<String, String> client = new LinkedHashMap<>(kafkaSecurity.scramClient(KAFKA_USERS.get(service)));
        String jaas = client.remove(SaslConfigs.SASL_JAAS_CONFIG);
        client.forEach((key, value) -> properties.put("kafka." + key, value));
        return Map.of("KAFKA_SASL_JAAS_CONFIG", jaas);
    }

    /**
     * The datasets the embedded services let their callers name ({@code twinview.datasets.roots}):
     * {@code $TWINVIEW_DATASETS_ROOTS} when set, else the project folder (a {@code data/} folder in it),
     * the shared datasets folder beside it ({@code ../shared/datasets}, where the README's CIFAR-10 subset
     * lives) and the embedded bucket (whose checkpoint prefix {@code runs/} stays refused).
     */
    static String datasetRoots(Path home, String fromEnvironment) {
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return fromEnvironment.strip();
        }
        Path project = home.toAbsolutePath().normalize();
        return String.join(
                ",",
                project.toString(),
                project.resolve("../shared/datasets").normalize().toString(),
                "s3://" + BUCKET);
    }

    private static int port(int fixed, String what) {
        if (fixed == 0) {
            return Ports.free();
        }
        if (!Ports.isFree(fixed)) {
            throw new IllegalStateException(what + " port " + fixed + " is taken (is ./twinview up already running?)");
        }
        return fixed;
    }
}
