package io.twinview.stack;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import kafka.Kafka;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;

/**
 * Main class of the Kafka child JVM: formats KRaft storage on first start, then runs Kafka's own
 * {@code kafka.Kafka} main (combined broker + controller), which stops cleanly on SIGTERM.
 *
 * <p>Usage: {@code KafkaBrokerMain <server.properties> [--override property=value]...}: the overrides go
 * to {@code kafka.Kafka} as they are (e.g. a pod on the host network advertising 127.0.0.1). Runs only on the classpath written to
 * {@code io/twinview/stack/kafka.classpath} at build time; the broker jars are optional
 * dependencies of this module and never reach its users' classpaths. Prints to stdout, which
 * {@link JavaProcess} appends to the log file.
 */
public final class KafkaBrokerMain {

    /**
     * A file of {@code kafka-storage format --add-scram} arguments ({@code SCRAM-SHA-512=[name=u,password=p]}),
     * one a line: the SCRAM users of {@link KafkaSecurity}, created when the storage is first formatted. A
     * file, so that no password is on a command line.
     */
    static final String SCRAM_CREDENTIALS_PROPERTY = "twinview.stack.kafka.scram-credentials-file";

    private KafkaBrokerMain() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: KafkaBrokerMain <server.properties> [--override property=value]...");
            System.exit(2);
        }
        Path config = Path.of(args[0]);
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(config)) {
            properties.load(in);
        }
        Path logDir = Path.of(properties.getProperty("log.dirs").split(",")[0]);
        // format only once: a second format of the same dir must repeat its cluster id
        String clusterId = existingClusterId(logDir.resolve("meta.properties"));
        if (clusterId == null) {
            clusterId = Uuid.randomUuid().toString();
            System.out.println("[twinview] formatting " + logDir + " for new cluster " + clusterId);
        }
        List<String> format = new ArrayList<>(
                List.of("format", "--cluster-id", clusterId, "--config", config.toString(), "--ignore-formatted"));
        String scramFile = System.getProperty(SCRAM_CREDENTIALS_PROPERTY);
        if (scramFile != null) {
            for (String credential : Files.readAllLines(Path.of(scramFile))) {
                if (!credential.isBlank()) {
                    format.add("--add-scram");
                    format.add(credential.strip());
                }
            }
        }
        int formatted = StorageTool.execute(format.toArray(String[]::new), System.out);
        if (formatted != 0) {
            System.err.println("[twinview] kafka-storage format failed with exit code " + formatted);
            System.exit(formatted);
        }
        Kafka.main(args);
    }

    private static String existingClusterId(Path metaProperties) throws IOException {
        if (!Files.isRegularFile(metaProperties)) {
            return null;
        }
        Properties meta = new Properties();
        try (InputStream in = Files.newInputStream(metaProperties)) {
            meta.load(in);
        }
        return meta.getProperty("cluster.id");
    }
}
