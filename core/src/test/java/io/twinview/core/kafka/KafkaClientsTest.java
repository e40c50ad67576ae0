package io.twinview.core.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.twinview.stack.LocalStack;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaClientsTest {

    private static final Map<String, String> EXTRA = Map.of(
            "security.protocol", "PLAINTEXT",
            "client.dns.lookup", "use_all_dns_ips");
    private static final KafkaClients CLIENTS = new KafkaClients("b:1", EXTRA);
    private static final Duration SESSION = Duration.ofSeconds(45);

    @Test
    void everyRoleKeepsItsSettingsExactly() {
        KafkaClients plain = KafkaClients.of("b:1");
        assertEquals(
                Map.of(
                        "bootstrap.servers",
                        "b:1",
                        "client.id",
                        "trainer",
                        "acks",
                        "all",
                        "enable.idempotence",
                        true,
                        "linger.ms",
                        5,
                        "key.serializer",
                        ByteArraySerializer.class,
                        "value.serializer",
                        ByteArraySerializer.class),
                plain.producerConfig("trainer"),
                "tasks and checkpoint events: acks=all, idempotent");
        assertEquals(
                Map.of(
                        "bootstrap.servers",
                        "b:1",
                        "client.id",
                        "augment-w-views",
                        "acks",
                        "all",
                        "enable.idempotence",
                        true,
                        "linger.ms",
                        5,
                        "max.request.size",
                        Topics.VIEWS_MAX_MESSAGE_BYTES,
                        "key.serializer",
                        ByteArraySerializer.class,
                        "value.serializer",
                        ByteArraySerializer.class),
                plain.viewsProducerConfig("augment-w-views"),
                "ViewBatches: records up to the views topic's limit");
        assertEquals(
                Map.of(
                        "bootstrap.servers",
                        "b:1",
                        "client.id",
                        "trainer-t",
                        "enable.auto.commit",
                        false,
                        "auto.offset.reset",
                        "earliest",
                        "max.partition.fetch.bytes",
                        2 * Topics.VIEWS_MAX_MESSAGE_BYTES,
                        "fetch.max.bytes",
                        8 * Topics.VIEWS_MAX_MESSAGE_BYTES,
                        "max.poll.records",
                        64,
                        "key.deserializer",
                        ByteArrayDeserializer.class,
                        "value.deserializer",
                        ByteArrayDeserializer.class),
                plain.viewsConsumerConfig("trainer-t"),
                "the trainer's views consumer has no group");
        assertEquals(
                Map.ofEntries(
                        Map.entry("bootstrap.servers", "b:1"),
                        Map.entry("client.id", "augment-w-tasks"),
                        Map.entry("group.id", "g"),
                        Map.entry("enable.auto.commit", false),
                        Map.entry("max.poll.records", 1),
                        Map.entry("auto.offset.reset", "earliest"),
                        Map.entry("group.protocol", "classic"),
                        Map.entry(
                                "partition.assignment.strategy",
                                "org.apache.kafka.clients.consumer.CooperativeStickyAssignor"),
                        Map.entry("session.timeout.ms", 6000),
                        Map.entry("heartbeat.interval.ms", 2000),
                        Map.entry("key.deserializer", ByteArrayDeserializer.class),
                        Map.entry("value.deserializer", ByteArrayDeserializer.class)),
                plain.tasksConsumerConfig("augment-w-tasks", "g", Duration.ofSeconds(6)),
                "one task per poll, manual commits, incremental (cooperative) rebalances");
        assertEquals(
                500,
                plain.tasksConsumerConfig("c", "g", Duration.ofSeconds(1)).get("heartbeat.interval.ms"),
                "heartbeats at least every 500 ms");
        assertEquals(
                3000,
                plain.tasksConsumerConfig("c", "g", Duration.ofSeconds(45)).get("heartbeat.interval.ms"),
                "heartbeats at most every 3 s: a worker hears of a rebalance within 3 s");
        assertEquals(
                Map.of(
                        "bootstrap.servers",
                        "b:1",
                        "client.id",
                        "eval-g",
                        "group.id",
                        "g",
                        "enable.auto.commit",
                        false,
                        "auto.offset.reset",
                        "earliest",
                        "max.poll.records",
                        500,
                        "key.deserializer",
                        ByteArrayDeserializer.class,
                        "value.deserializer",
                        ByteArrayDeserializer.class),
                plain.checkpointEventsConsumerConfig("eval-g", "g"),
                "checkpoint events: a group, manual commits");
        assertEquals(Map.of("bootstrap.servers", "b:1"), plain.adminConfig(), "an admin with Kafka's client id");
        assertEquals(
                Map.of("bootstrap.servers", "b:1", "client.id", "augment-w-admin"),
                plain.adminConfig("augment-w-admin"),
                "an admin with a client id");
    }

    @Test
    void aCommonPropertyReachesEveryProducerConsumerAndAdmin() throws Exception {
        List<String> roles = new ArrayList<>();
        for (Method client : KafkaClients.class.getDeclaredMethods()) {
            Class<?> type = client.getReturnType();
            if (!Modifier.isPublic(client.getModifiers())
                    || !(type == KafkaProducer.class || type == KafkaConsumer.class || type == Admin.class)) {
                continue;
            }
            Method configOf =
                    KafkaClients.class.getDeclaredMethod(client.getName() + "Config", client.getParameterTypes());
            Object[] args = new Object[client.getParameterCount()];
            for (int i = 0; i < args.length; i++) {
                args[i] = client.getParameterTypes()[i] == Duration.class ? SESSION : "x";
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> config = (Map<String, Object>) configOf.invoke(CLIENTS, args);
            String role = client.getName() + "(" + args.length + " args)";
            EXTRA.forEach((key, value) -> assertEquals(value, config.get(key), role + " gets " + key));
            assertEquals("b:1", config.get("bootstrap.servers"), role + " gets the bootstrap servers");
            roles.add(role);
        }
        assertEquals(7, roles.size(), "two producers, three consumers and two admins are checked: " + roles);
    }

    @Test
    void aRolesOwnSettingsWinOverTheCommonClientIdAndBootstrapServers() {
        KafkaClients clients =
                new KafkaClients("b:1", Map.of("bootstrap.servers", "elsewhere:1", "client.id", "shared"));
        assertEquals("c", clients.viewsConsumerConfig("c").get("client.id"), "each client keeps its own id");
        assertEquals("shared", clients.adminConfig().get("client.id"), "where a role sets none, the common one stays");
        assertEquals("b:1", clients.bootstrapServers(), "the bootstrap servers given on their own win");
    }

    @Test
    void aCommonPropertyThatARoleSetsItselfIsRefusedNamingIt() {
        for (String owned : List.of("enable.auto.commit", "acks", "group.id", "key.deserializer", "transactional.id")) {
            IllegalArgumentException refused = assertThrows(
                    IllegalArgumentException.class, () -> new KafkaClients("b:1", Map.of(owned, "x")), owned);
            assertTrue(
                    refused.getMessage().startsWith("kafka." + owned + " cannot be set: twinview sets it"),
                    "the message names the key: " + refused.getMessage());
        }
    }

    @Test
    void thePrincipalNamesTheUserOrCertificateNeverAPassword() {
        KafkaClients scram = new KafkaClients(
                "b:1",
                Map.of(
                        "security.protocol",
                        "SASL_SSL",
                        "sasl.mechanism",
                        "SCRAM-SHA-512",
                        "sasl.jaas.config",
                        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"twinview-eval\""
                                + " password=\"s3cr3t\";"));
        assertEquals("Kafka user 'twinview-eval' (SCRAM-SHA-512 over SASL_SSL)", scram.principal(), "the SCRAM user");
        KafkaClients mtls = new KafkaClients(
                "b:1", Map.of("security.protocol", "SSL", "ssl.keystore.location", "/etc/kafka-user/user.p12"));
        assertEquals(
                "the TLS client certificate of /etc/kafka-user/user.p12", mtls.principal(), "the mutual-TLS keystore");
        assertEquals(
                "an unauthenticated client (security.protocol PLAINTEXT)",
                KafkaClients.of("b:1").principal(),
                "the embedded default");
    }

    @Test
    void aSecretMayComeFromAFileThroughKafkasConfigProviderWrittenWithAnEscapedDollar(@TempDir Path dir)
            throws Exception {
        Path secret = dir.resolve("kafka-user.properties");
        String jaas = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"p\";";
        Files.writeString(secret, "sasl.jaas.config=" + jaas.replace("\"", "\\\"") + "\n");
        // as Quarkus reads application.properties or the environment: with SmallRye's ${...} expressions on
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .addDefaultInterceptors()
                .withSources(new PropertiesConfigSource(
                        Map.of(
                                "kafka.bootstrap.servers", "b:1",
                                "kafka.config.providers", "file",
                                "kafka.config.providers.file.class",
                                        "org.apache.kafka.common.config.provider.FileConfigProvider",
                                "kafka.sasl.jaas.config", "$${file:" + secret + ":sasl.jaas.config}"),
                        "test",
                        400))
                .withMapping(io.twinview.core.config.KafkaConfig.class)
                .build();
        KafkaClients clients = config.getConfigMapping(io.twinview.core.config.KafkaConfig.class)
                .clients();
        ProducerConfig resolved = new ProducerConfig(clients.producerConfig("p"));
        assertEquals(
                jaas,
                resolved.getPassword("sasl.jaas.config").value(),
                "$${file:PATH:KEY} reaches Kafka as ${file:PATH:KEY}, which its FileConfigProvider resolves");
    }

    @Test
    void propertyValuesAreNeverPrinted() {
        KafkaClients clients = new KafkaClients("b:1", Map.of("sasl.jaas.config", "password=\"s3cr3t\""));
        assertFalse(clients.toString().contains("s3cr3t"), "a SASL secret stays out of logs: " + clients);
        assertTrue(
                clients.toString().contains("sasl.jaas.config")
                        && clients.toString().contains("b:1"),
                "names and bootstrap servers are shown: " + clients);
    }

    @Test
    void clientsWithCommonPropertiesTalkToTheBroker() throws Exception {
        KafkaClients clients = new KafkaClients(LocalStack.shared().kafkaBootstrapServers(), EXTRA);
        String runId = "clients-" + UUID.randomUUID();
        String topic = Topics.viewsTopic(runId);
        byte[] value = "views".getBytes(StandardCharsets.UTF_8);
        try (Admin admin = clients.admin("clients-test-admin")) {
            Topics.ensure(admin, Topics.viewsTopic(runId, 1, 3_600_000L, 64L << 20));
        }
        try (KafkaProducer<byte[], byte[]> producer = clients.viewsProducer("clients-test-views")) {
            producer.send(new ProducerRecord<>(topic, value)).get(30, TimeUnit.SECONDS);
        }
        try (KafkaConsumer<byte[], byte[]> consumer = clients.viewsConsumer("clients-test-trainer")) {
            Topics.assignAllFromBeginning(consumer, topic, Duration.ofSeconds(30));
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (records.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            assertEquals(1, records.size(), "the record produced comes back");
            assertEquals("views", new String(records.get(0).value(), StandardCharsets.UTF_8), "byte for byte");
        }
    }
}
