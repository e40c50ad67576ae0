package io.twinview.stack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded broker in its secure mode: SCRAM and certificate users, each allowed only its ACLs. */
class LocalStackSecureKafkaTest {

    private static final String WRITER = "writer";
    private static final String OTHER = "other";
    private static final String ALLOWED = "allowed-topic";
    private static final String FORBIDDEN = "forbidden-topic";

    @TempDir
    static Path workDir;

    private static LocalStack stack;
    private static KafkaSecurity security;

    @BeforeAll
    static void startSecureStack() {
        security = KafkaSecurity.generate(
                workDir.resolve("tls"),
                Map.of(WRITER, List.of(allow(WRITER, ALLOWED, AclOperation.WRITE)), OTHER, List.of()),
                List.of(new NewTopic(ALLOWED, 1, (short) 1), new NewTopic(FORBIDDEN, 1, (short) 1)));
        stack = LocalStack.start(LocalStack.Options.in(workDir.resolve("stack")), security);
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aScramUserWritesWhatItsAclsAllowAndIsRefusedTheRest() throws Exception {
        try (KafkaProducer<byte[], byte[]> producer =
                producer(stack.kafkaBootstrapServers(), security.scramClient(WRITER))) {
            assertEquals(0, send(producer, ALLOWED), "Write on allowed-topic: the record lands in partition 0");
            ExecutionException refused = assertThrows(ExecutionException.class, () -> send(producer, FORBIDDEN));
            TopicAuthorizationException cause = assertInstanceOf(
                    TopicAuthorizationException.class,
                    refused.getCause(),
                    "no ACL on forbidden-topic: the broker refuses");
            assertTrue(
                    cause.unauthorizedTopics().contains(FORBIDDEN),
                    cause.unauthorizedTopics().toString());
        }
    }

    @Test
    void aWrongPasswordFailsAuthentication() {
        Map<String, String> wrong = security.scramClient(WRITER, "not-the-password");
        try (KafkaProducer<byte[], byte[]> producer = producer(stack.kafkaBootstrapServers(), wrong)) {
            ExecutionException refused = assertThrows(ExecutionException.class, () -> send(producer, ALLOWED));
            assertInstanceOf(
                    SaslAuthenticationException.class,
                    refused.getCause(),
                    "a wrong SCRAM password fails authentication");
        }
    }

    @Test
    void aCertificateUserIsTheCnOfItsCertificateWithTheSameAcls() throws Exception {
        try (KafkaProducer<byte[], byte[]> writer =
                        producer(security.mtlsBootstrapServers(), security.mtlsClient(WRITER));
                KafkaProducer<byte[], byte[]> other =
                        producer(security.mtlsBootstrapServers(), security.mtlsClient(OTHER))) {
            assertEquals(0, send(writer, ALLOWED), "the certificate with CN=writer has writer's ACLs");
            ExecutionException refused = assertThrows(ExecutionException.class, () -> send(other, ALLOWED));
            assertInstanceOf(
                    TopicAuthorizationException.class, refused.getCause(), "CN=other has no ACL on allowed-topic");
        }
    }

    @Test
    void theAdminIsASuperUserAndNoPasswordReachesTheBrokerLogOrItsCommandLine() throws Exception {
        Map<String, Object> admin = new HashMap<>(security.scramClient(KafkaSecurity.ADMIN));
        admin.put("bootstrap.servers", stack.kafkaBootstrapServers());
        try (Admin client = Admin.create(admin)) {
            assertEquals(
                    List.of(allow(WRITER, ALLOWED, AclOperation.WRITE)),
                    List.copyOf(
                            client.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS)),
                    "the stack created writer's one ACL, and only the admin may list ACLs");
        }
        String log = Files.readString(stack.kafkaLog(), StandardCharsets.UTF_8);
        for (String user : security.users()) {
            String jaas = security.scramClient(user).get("sasl.jaas.config");
            String password = jaas.substring(jaas.indexOf("password=\"") + 10, jaas.lastIndexOf('"'));
            assertFalse(log.contains(password), "the password of " + user + " is not in the broker's log");
        }
        assertTrue(
                ProcessHandle.current()
                        .descendants()
                        .noneMatch(
                                child -> child.info().commandLine().orElse("").contains("password=")),
                "no child process has a password on its command line");
    }

    private static AclBinding allow(String user, String topic, AclOperation operation) {
        return new AclBinding(
                new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL),
                new AccessControlEntry("User:" + user, "*", operation, AclPermissionType.ALLOW));
    }

    private static KafkaProducer<byte[], byte[]> producer(String bootstrap, Map<String, String> client) {
        Map<String, Object> config = new HashMap<>(client);
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20_000);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static int send(KafkaProducer<byte[], byte[]> producer, String topic) throws Exception {
        return producer.send(new ProducerRecord<>(topic, "x".getBytes(StandardCharsets.UTF_8)))
                .get(30, TimeUnit.SECONDS)
                .partition();
    }
}
