package io.twinview.core.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Every Kafka producer, consumer and admin client of twinview is made here. The common client
 * properties are given once: the bootstrap servers and whatever else a service is configured with
 * ({@code kafka.*}, see {@code io.twinview.core.config.KafkaConfig}: security protocol, SASL, TLS
 * stores...). Each role adds only what it needs on top; a common property that a role sets itself is
 * refused ({@link #ROLE_SETTINGS}: manual commits, idempotence...), except {@code client.id}, which each role
 * with an id of its own replaces.
 * Keys and values are bytes: callers encode protobuf messages themselves.
 *
 * <p>Security settings pass through as they are: SASL_SSL with SCRAM-SHA-512
 * ({@code security.protocol}, {@code sasl.mechanism}, {@code sasl.jaas.config}, a truststore) or mutual TLS
 * ({@code security.protocol=SSL} with a keystore), Strimzi's two authentications. The settings a role owns
 * ({@link #ROLE_SETTINGS}) are refused as common properties: the role would silently replace them.
 */
public final class KafkaClients {

    /** Kafka's default heartbeat.interval.ms: the longest a tasks consumer waits to hear of a rebalance. */
    private static final long MAX_HEARTBEAT_MS = 3000;

    /**
     * What the roles set themselves: their code relies on these values (manual commits, idempotence, one task
     * per poll, byte serialisation, record sizes), so a common property cannot change them. And
     * {@code transactional.id}, which would make every producer transactional. ({@code client.id} may be
     * common: every role but {@link #admin()} replaces it with its own.)
     */
    public static final Set<String> ROLE_SETTINGS = Set.of(
            ProducerConfig.ACKS_CONFIG,
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
            ProducerConfig.LINGER_MS_CONFIG,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
            ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
            ProducerConfig.TRANSACTIONAL_ID_CONFIG,
            ConsumerConfig.GROUP_ID_CONFIG,
            ConsumerConfig.GROUP_PROTOCOL_CONFIG,
            ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
            ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG,
            ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG,
            ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
            ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG,
            ConsumerConfig.FETCH_MAX_BYTES_CONFIG,
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);

    private static final Pattern JAAS_USERNAME = Pattern.compile("username\\s*=\\s*\"([^\"]*)\"");

    private final Map<String, Object> common;

    /**
     * @param bootstrapServers {@code host:port[,host:port...]}
     * @param properties       further client properties every client gets; a {@code bootstrap.servers}
     *                         among them is replaced by {@code bootstrapServers}
     * @throws IllegalArgumentException when the bootstrap servers are blank, or naming a property of
     *                                  {@link #ROLE_SETTINGS}
     */
    public KafkaClients(String bootstrapServers, Map<String, ?> properties) {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException(
                    "kafka.bootstrap.servers must name at least one broker, was '" + bootstrapServers + "'");
        }
        TreeSet<String> owned = new TreeSet<>(properties.keySet());
        owned.retainAll(ROLE_SETTINGS);
        if (!owned.isEmpty()) {
            throw new IllegalArgumentException("kafka." + owned.first() + " cannot be set: twinview sets it for each"
                    + " client role (" + String.join(", ", new TreeSet<>(ROLE_SETTINGS))
                    + "); the kafka.* block is for connection and security settings");
        }
        Map<String, Object> all = new HashMap<>(properties);
        all.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        this.common = Map.copyOf(all);
    }

    /** Clients with no property but the bootstrap servers. */
    public static KafkaClients of(String bootstrapServers) {
        return new KafkaClients(bootstrapServers, Map.of());
    }

    public String bootstrapServers() {
        return (String) common.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
    }

    /**
     * Who these clients are to the broker, for messages: the SCRAM (or other SASL) user of
     * {@code sasl.jaas.config}, the certificate of a mutual-TLS keystore, or an unauthenticated client. Never a
     * secret.
     */
    public String principal() {
        String protocol = String.valueOf(common.getOrDefault(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "PLAINTEXT"))
                .toUpperCase(Locale.ROOT);
        if (protocol.startsWith("SASL")) {
            String mechanism =
                    String.valueOf(common.getOrDefault(SaslConfigs.SASL_MECHANISM, SaslConfigs.DEFAULT_SASL_MECHANISM));
            Object jaas = common.get(SaslConfigs.SASL_JAAS_CONFIG);
            Matcher user = JAAS_USERNAME.matcher(jaas == null ? "" : jaas.toString());
            return user.find()
                    ? "Kafka user '" + user.group(1) + "' (" + mechanism + " over " + protocol + ")"
                    : "a " + mechanism + " client over " + protocol + " without a username in sasl.jaas.config";
        }
        Object keystore = common.get(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG);
        if (protocol.equals("SSL") && keystore != null) {
            return "the TLS client certificate of " + keystore;
        }
        return "an unauthenticated client (security.protocol " + protocol + ")";
    }

    /** {@link KafkaErrors#security} for a failure of these clients: empty unless the broker refused a login or an ACL. */
    public Optional<String> security(Throwable error) {
        return KafkaErrors.security(error, principal());
    }

    /** {@link KafkaErrors#describe} for a failure of these clients. */
    public String explain(Throwable error) {
        return KafkaErrors.describe(error, principal());
    }

    /**
     * The producer of tasks and checkpoint events. acks=all and idempotence: a record acknowledged is
     * on the broker exactly once.
     */
    public KafkaProducer<byte[], byte[]> producer(String clientId) {
        return new KafkaProducer<>(producerConfig(clientId));
    }

    /** The producer of ViewBatches: {@link #producer}'s guarantees, records up to the views topic's own limit. */
    public KafkaProducer<byte[], byte[]> viewsProducer(String clientId) {
        return new KafkaProducer<>(viewsProducerConfig(clientId));
    }

    /**
     * The consumer of a run's views topic, with no group: the trainer assigns every partition and
     * keeps its offsets in checkpoints. Fetches hold several of the largest ViewBatches.
     */
    public KafkaConsumer<byte[], byte[]> viewsConsumer(String clientId) {
        return new KafkaConsumer<>(viewsConsumerConfig(clientId));
    }

    /**
     * An augment worker's consumer of the shared tasks topic: one task per poll and manual commits, so a
     * task's offset is committed only after all its ViewBatches are acknowledged and a worker that dies
     * mid-task leaves it to the group.
     *
     * <p>The group rebalances incrementally: the classic group protocol with the
     * {@link CooperativeStickyAssignor}. When a worker joins or leaves (a rollout, a KEDA scale step),
     * only the partitions that move are revoked; every other worker keeps working on the partitions it
     * keeps, where the default eager assignor would stop the whole group until the rebalance ends.
     * Not the KIP-848 protocol ({@code group.protocol=consumer}): it refuses a client-side
     * {@code session.timeout.ms} (the session is the broker's {@code group.consumer.session.timeout.ms},
     * at least 45 s by default), so how soon the tasks of a killed worker move would no longer be the
     * worker's setting, and it needs 4.0 brokers with the new coordinator. A closing consumer leaves
     * the group at once (LeaveGroup), so a stopped worker's partitions move without waiting for the
     * session timeout.
     *
     * @param sessionTimeout how long the group waits for a silent member before its partitions (and its
     *                       uncommitted task) move; heartbeats go at a third of it, at least every 500 ms
     *                       and at most every 3 s (Kafka's default): members learn of a rebalance from a
     *                       heartbeat, so it starts within 3 s of a worker joining or leaving
     */
    public KafkaConsumer<byte[], byte[]> tasksConsumer(String clientId, String groupId, Duration sessionTimeout) {
        return new KafkaConsumer<>(tasksConsumerConfig(clientId, groupId, sessionTimeout));
    }

    /** eval-service's consumer of checkpoint events, in a group, committing by hand once a batch is handled. */
    public KafkaConsumer<byte[], byte[]> checkpointEventsConsumer(String clientId, String groupId) {
        return new KafkaConsumer<>(checkpointEventsConsumerConfig(clientId, groupId));
    }

    /** An admin client with Kafka's own client id. */
    public Admin admin() {
        return Admin.create(adminConfig());
    }

    public Admin admin(String clientId) {
        return Admin.create(adminConfig(clientId));
    }

    Map<String, Object> producerConfig(String clientId) {
        Map<String, Object> config = withCommon(clientId);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return config;
    }

    Map<String, Object> viewsProducerConfig(String clientId) {
        Map<String, Object> config = producerConfig(clientId);
        config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.VIEWS_MAX_MESSAGE_BYTES);
        return config;
    }

    Map<String, Object> viewsConsumerConfig(String clientId) {
        Map<String, Object> config = consumerConfig(clientId);
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 2 * Topics.VIEWS_MAX_MESSAGE_BYTES);
        config.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 8 * Topics.VIEWS_MAX_MESSAGE_BYTES);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 64);
        return config;
    }

    Map<String, Object> tasksConsumerConfig(String clientId, String groupId, Duration sessionTimeout) {
        Map<String, Object> config = consumerConfig(clientId);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        config.put(
                ConsumerConfig.GROUP_PROTOCOL_CONFIG,
                GroupProtocol.CLASSIC.name().toLowerCase(Locale.ROOT));
        config.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) sessionTimeout.toMillis());
        config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int)
                Math.min(MAX_HEARTBEAT_MS, Math.max(500, sessionTimeout.toMillis() / 3)));
        return config;
    }

    Map<String, Object> checkpointEventsConsumerConfig(String clientId, String groupId) {
        Map<String, Object> config = consumerConfig(clientId);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500);
        return config;
    }

    Map<String, Object> adminConfig() {
        return new HashMap<>(common);
    }

    Map<String, Object> adminConfig(String clientId) {
        return withCommon(clientId);
    }

    /** Every consumer reads from the earliest offset it has none for, and commits only by hand. */
    private Map<String, Object> consumerConfig(String clientId) {
        Map<String, Object> config = withCommon(clientId);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return config;
    }

    private Map<String, Object> withCommon(String clientId) {
        Map<String, Object> config = new HashMap<>(common);
        config.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId);
        return config;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof KafkaClients clients && common.equals(clients.common);
    }

    @Override
    public int hashCode() {
        return common.hashCode();
    }

    /** The bootstrap servers and the names of the other properties: their values may be secrets (SASL, TLS). */
    @Override
    public String toString() {
        TreeSet<String> names = new TreeSet<>(common.keySet());
        names.remove(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
        return "KafkaClients[bootstrap.servers=" + bootstrapServers() + ", properties=" + names + "]";
    }
}
