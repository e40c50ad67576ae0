package io.twinview.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The secure mode of the embedded broker, for tests: what a Strimzi cluster with
 * {@code authorization: simple} gives the services, on loopback.
 *
 * <ul>
 *   <li>Listener {@code SASL_SSL} (the stack's Kafka port): TLS with a server certificate of a CA generated
 *       here, SCRAM-SHA-512 users created when the storage is formatted ({@code kafka-storage format
 *       --add-scram}); Strimzi's {@code scram-sha-512} authentication.
 *   <li>Listener {@code SSL} ({@link #mtlsBootstrapServers()}): TLS with a client certificate required, the
 *       user being the certificate's CN; Strimzi's {@code tls} authentication.
 *   <li>The KRaft controller listener over TLS with client certificates: only the broker's own certificate
 *       (user {@value #BROKER}) gets in.
 *   <li>{@code StandardAuthorizer} with {@code super.users} the broker and {@value #ADMIN}; every other user
 *       may do what its ACLs allow and nothing else ({@code allow.everyone.if.no.acl.found=false}).
 *       The ACLs and the shared topics are created by {@value #ADMIN} once the broker is up, as Strimzi's
 *       User and Topic operators do.
 * </ul>
 *
 * <p>Certificates come from the JDK's {@code keytool} (EC P-256, valid a week); the CA certificate is a
 * PEM truststore, keys are PKCS12 stores. Passwords are random and never on a command line: keytool reads the
 * store password from its environment, the broker its SCRAM users from a file only its owner reads.
 */
public final class KafkaSecurity {

    /** The super user the stack itself uses to create ACLs and topics. */
    public static final String ADMIN = "twinview-admin";
    /** The CN of the broker's certificate: the principal of its controller connections. */
    public static final String BROKER = "twinview-broker";

    public static final String SCRAM_MECHANISM = "SCRAM-SHA-512";
    private static final Pattern USER_NAME = Pattern.compile("[a-zA-Z0-9._-]{1,64}");
    private static final Duration KEYTOOL_TIMEOUT = Duration.ofMinutes(1);
    private static final String STOREPASS_ENV = "TWINVIEW_KEYSTORE_PASSWORD";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    private final String storePassword;
    private final Map<String, String> passwords;
    private final List<AclBinding> acls;
    private final List<NewTopic> topics;
    private final int mtlsPort;

    private KafkaSecurity(
            Path dir,
            String storePassword,
            Map<String, String> passwords,
            List<AclBinding> acls,
            List<NewTopic> topics,
            int mtlsPort) {
        this.dir = dir;
        this.storePassword = storePassword;
        this.passwords = passwords;
        this.acls = acls;
        this.topics = topics;
        this.mtlsPort = mtlsPort;
    }

    /**
     * Generates the CA, the broker's certificate and a random SCRAM password for {@value #ADMIN} and each
     * user, under {@code dir}.
     *
     * @param users  user name to its ACLs; every binding's principal must be {@code User:<that name>}
     * @param topics created by {@value #ADMIN} when the broker is ready (users need no Create on them)
     * @throws IllegalArgumentException naming a user whose name is not {@code [a-zA-Z0-9._-]{1,64}}, or
     *                                  a binding whose principal is not its user
     */
    public static KafkaSecurity generate(
            Path dir, Map<String, ? extends Collection<AclBinding>> users, List<NewTopic> topics) {
        Map<String, String> passwords = new LinkedHashMap<>();
        passwords.put(ADMIN, randomSecret());
        List<AclBinding> acls = new ArrayList<>();
        users.forEach((user, bindings) -> {
            if (!USER_NAME.matcher(user).matches() || user.equals(ADMIN) || user.equals(BROKER)) {
                throw new IllegalArgumentException("a Kafka user name must match " + USER_NAME + " and not be " + ADMIN
                        + " or " + BROKER + ", was '" + user + "'");
            }
            for (AclBinding binding : bindings) {
                if (!binding.entry().principal().equals("User:" + user)) {
                    throw new IllegalArgumentException(
                            "an ACL of user " + user + " must name principal User:" + user + ", was " + binding);
                }
            }
            passwords.put(user, randomSecret());
            acls.addAll(bindings);
        });
        Path absolute = dir.toAbsolutePath().normalize();
        try {
            Files.createDirectories(absolute);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + absolute, e);
        }
        KafkaSecurity security = new KafkaSecurity(
                absolute, randomSecret(), Map.copyOf(passwords), List.copyOf(acls), List.copyOf(topics), Ports.free());
        security.generateCa();
        security.generateKeystore(BROKER);
        return security;
    }

    /** The users with a SCRAM password, {@value #ADMIN} included. */
    public Set<String> users() {
        return passwords.keySet();
    }

    /** {@code 127.0.0.1:<port>} of the listener that authenticates clients by certificate. */
    public String mtlsBootstrapServers() {
        return Ports.LOOPBACK + ":" + mtlsPort;
    }

    /** The CA's certificate (PEM): the truststore of every client. */
    public Path caCertificate() {
        return dir.resolve("ca.crt");
    }

    /**
     * The client properties of {@code user} on the SASL_SSL listener (without {@code bootstrap.servers}):
     * {@code security.protocol}, {@code sasl.mechanism}, {@code sasl.jaas.config} (holding the password)
     * and the PEM truststore.
     */
    public Map<String, String> scramClient(String user) {
        String password = passwords.get(user);
        if (password == null) {
            throw new IllegalArgumentException("no Kafka user '" + user + "': the users are " + users());
        }
        return scramClient(user, password);
    }

    /** As {@link #scramClient(String)} with any password: what a client with a wrong one sends. */
    public Map<String, String> scramClient(String user, String password) {
        Map<String, String> properties = new LinkedHashMap<>(trust());
        properties.put("security.protocol", "SASL_SSL");
        properties.put("sasl.mechanism", SCRAM_MECHANISM);
        properties.put("sasl.jaas.config", jaasConfig(user, password));
        return properties;
    }

    /**
     * The client properties of {@code user} on the mutual-TLS listener {@link #mtlsBootstrapServers()}:
     * a keystore (PKCS12, generated on the first call) whose certificate has CN {@code user}, and the PEM
     * truststore.
     */
    public synchronized Map<String, String> mtlsClient(String user) {
        if (!USER_NAME.matcher(user).matches()) {
            throw new IllegalArgumentException("a Kafka user name must match " + USER_NAME + ", was '" + user + "'");
        }
        Path keystore = keystore(user);
        if (!Files.isRegularFile(keystore)) {
            generateKeystore(user);
        }
        Map<String, String> properties = new LinkedHashMap<>(trust());
        properties.put("security.protocol", "SSL");
        properties.put("ssl.keystore.type", "PKCS12");
        properties.put("ssl.keystore.location", keystore.toString());
        properties.put("ssl.keystore.password", storePassword);
        return properties;
    }

    /** The JAAS line of a SCRAM client. */
    public static String jaasConfig(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\""
                + password + "\";";
    }

    /**
     * The broker settings of this mode, over the stack's plain ones.
     *
     * @param saslPort       the SASL_SSL listener, the stack's Kafka port
     * @param controllerPort the KRaft controller listener
     */
    Map<String, Object> brokerSettings(int saslPort, int controllerPort) {
        String host = Ports.LOOPBACK;
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put(
                "listeners",
                "SASL_SSL://" + host + ":" + saslPort + ",SSL://" + host + ":" + mtlsPort + ",CONTROLLER://" + host
                        + ":" + controllerPort);
        settings.put("advertised.listeners", "SASL_SSL://" + host + ":" + saslPort + ",SSL://" + host + ":" + mtlsPort);
        settings.put("listener.security.protocol.map", "SASL_SSL:SASL_SSL,SSL:SSL,CONTROLLER:SSL");
        settings.put("inter.broker.listener.name", "SSL");
        settings.put("sasl.enabled.mechanisms", SCRAM_MECHANISM);
        settings.put(
                "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        settings.put("ssl.keystore.type", "PKCS12");
        settings.put("ssl.keystore.location", keystore(BROKER));
        settings.put("ssl.keystore.password", storePassword);
        settings.put("ssl.truststore.type", "PEM");
        settings.put("ssl.truststore.location", caCertificate());
        settings.put("listener.name.ssl.ssl.client.auth", "required");
        settings.put("listener.name.controller.ssl.client.auth", "required");
        // a certificate's user is its CN, as with Strimzi's tls authentication
        settings.put("ssl.principal.mapping.rules", "RULE:^CN=([a-zA-Z0-9._-]+).*$/$1/,DEFAULT");
        settings.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        settings.put("super.users", "User:" + BROKER + ";User:" + ADMIN);
        settings.put("allow.everyone.if.no.acl.found", false);
        return settings;
    }

    /**
     * Writes the SCRAM credentials as {@code kafka-storage format --add-scram} arguments, one a line, to a
     * file only its owner reads: {@link KafkaBrokerMain} adds them when it formats the storage.
     */
    Path writeScramCredentials(Path file) {
        StringBuilder lines = new StringBuilder();
        passwords.forEach((user, password) -> lines.append(SCRAM_MECHANISM)
                .append("=[name=")
                .append(user)
                .append(",password=")
                .append(password)
                .append("]\n"));
        writeSecretFile(file, lines.toString());
        return file;
    }

    /** The client properties of {@value #ADMIN}, bootstrap servers included. */
    Map<String, Object> adminClient(String bootstrapServers) {
        Map<String, Object> properties = new LinkedHashMap<>(scramClient(ADMIN));
        properties.put("bootstrap.servers", bootstrapServers);
        return properties;
    }

    /** Creates the topics (existing ones are kept) and the ACLs, as {@value #ADMIN}. */
    void apply(Admin admin) {
        try {
            for (NewTopic topic : topics) {
                try {
                    admin.createTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            if (!acls.isEmpty()) {
                admin.createAcls(acls).all().get(30, TimeUnit.SECONDS);
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(
                    "cannot create the topics and ACLs of the secure broker: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the ACLs of the secure broker", e);
        }
    }

    private Map<String, String> trust() {
        return Map.of(
                "ssl.truststore.type",
                "PEM",
                "ssl.truststore.location",
                caCertificate().toString());
    }

    private Path keystore(String user) {
        return dir.resolve(user + ".p12");
    }

    private void generateCa() {
        Path ca = dir.resolve("ca.p12");
        keytool(
                "-genkeypair",
                "-alias",
                "ca",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=twinview-test-ca",
                "-ext",
                "bc:c",
                "-validity",
                "7",
                "-keystore",
                ca.toString(),
                "-storetype",
                "PKCS12");
        keytool(
                "-exportcert",
                "-rfc",
                "-alias",
                "ca",
                "-keystore",
                ca.toString(),
                "-file",
                caCertificate().toString());
    }

    /** A PKCS12 store with a key, its certificate (CN {@code user}, for 127.0.0.1 and localhost) and the CA's. */
    private void generateKeystore(String user) {
        Path keystore = keystore(user);
        Path request = dir.resolve(user + ".csr");
        Path certificate = dir.resolve(user + ".crt");
        keytool(
                "-genkeypair",
                "-alias",
                user,
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=" + user,
                "-validity",
                "7",
                "-keystore",
                keystore.toString(),
                "-storetype",
                "PKCS12");
        keytool("-certreq", "-alias", user, "-keystore", keystore.toString(), "-file", request.toString());
        keytool(
                "-gencert",
                "-rfc",
                "-alias",
                "ca",
                "-keystore",
                dir.resolve("ca.p12").toString(),
                "-infile",
                request.toString(),
                "-outfile",
                certificate.toString(),
                "-validity",
                "7",
                "-ext",
                "SAN=ip:127.0.0.1,dns:localhost",
                "-ext",
                "EKU=serverAuth,clientAuth");
        keytool(
                "-importcert",
                "-noprompt",
                "-alias",
                "ca",
                "-file",
                caCertificate().toString(),
                "-keystore",
                keystore.toString());
        keytool("-importcert", "-alias", user, "-file", certificate.toString(), "-keystore", keystore.toString());
    }

    /** Runs the JDK's keytool with the store password in its environment, never on its command line. */
    private void keytool(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        // a short-lived JVM: the quick compiler only
        command.add("-J-XX:TieredStopAtLevel=1");
        command.add("-J-XX:+UseSerialGC");
        command.addAll(List.of(args));
        command.add("-storepass:env");
        command.add(STOREPASS_ENV);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put(STOREPASS_ENV, storePassword);
        try {
            Process process = builder.start();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(KEYTOOL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("keytool " + args[0] + " did not finish in " + KEYTOOL_TIMEOUT);
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("keytool " + String.join(" ", args) + " failed with exit code "
                        + process.exitValue() + ": " + new String(output).strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run keytool", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running keytool", e);
        }
    }

    private void writeSecretFile(Path file, String content) {
        try {
            Files.createDirectories(file.getParent());
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static String randomSecret() {
        byte[] bytes = new byte[18];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The directory and the users, never a password. */
    @Override
    public String toString() {
        return "KafkaSecurity[" + dir + ", users=" + users() + ", mtls=" + mtlsBootstrapServers() + "]";
    }
}
