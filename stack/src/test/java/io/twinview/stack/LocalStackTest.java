package io.twinview.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.Result;
import io.minio.messages.Item;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalStackTest {

    private static final Duration POLL_LIMIT = Duration.ofSeconds(60);
    private static final int BIG_RECORD = 4 << 20;
    private static final int BIG_LIMIT = 6 << 20;

    private final LocalStack stack = LocalStack.shared();

    @Test
    void sharedIsOnePerJvmAndExposesItsConfig() {
        assertSame(stack, LocalStack.shared(), "shared() starts the stack once");
        assertTrue(stack.kafkaBootstrapServers().matches("127\\.0\\.0\\.1:\\d+"), stack.kafkaBootstrapServers());
        assertTrue(stack.s3Endpoint().matches("http://127\\.0\\.0\\.1:\\d+"), stack.s3Endpoint());
        assertEquals(
                Map.of(
                        "kafka.bootstrap.servers", stack.kafkaBootstrapServers(),
                        "twinview.storage.endpoint", stack.s3Endpoint(),
                        "twinview.storage.access-key", stack.s3AccessKey(),
                        "twinview.storage.secret-key", stack.s3SecretKey()),
                stack.config());

        stack.close();
        assertTrue(!Ports.isFree(port(stack.kafkaBootstrapServers())), "close() on the shared stack leaves it running");
    }

    @Test
    void aRecordGoesThroughTheBrokerToAConsumerGroup() throws Exception {
        String topic = createTopic(stack.kafkaBootstrapServers(), Map.of());

        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        stack.kafkaBootstrapServers(),
                        ProducerConfig.ACKS_CONFIG,
                        "all"),
                new StringSerializer(),
                new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, "key", "hello twinview")).get(30, TimeUnit.SECONDS);
        }

        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        stack.kafkaBootstrapServers(),
                        ConsumerConfig.GROUP_ID_CONFIG,
                        "group-" + topic,
                        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                        "earliest",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false),
                new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<String, String>> records = pollAtLeastOne(consumer);
            consumer.commitSync(Duration.ofSeconds(30));

            assertEquals(1, records.size());
            assertEquals("key", records.get(0).key());
            assertEquals("hello twinview", records.get(0).value());
        }
    }

    @Test
    void aFourMebibyteRecordGoesThroughWhenTopicProducerAndConsumerLimitsAreRaised() throws Exception {
        String topic = createTopic(
                stack.kafkaBootstrapServers(),
                Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(BIG_LIMIT)));
        byte[] payload = new byte[BIG_RECORD];
        new Random(42).nextBytes(payload); // incompressible

        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        stack.kafkaBootstrapServers(),
                        ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                        BIG_LIMIT),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            RecordMetadata sent =
                    producer.send(new ProducerRecord<>(topic, payload)).get(60, TimeUnit.SECONDS);
            assertEquals(0, sent.offset());
        }

        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers(),
                        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, BIG_LIMIT,
                        ConsumerConfig.FETCH_MAX_BYTES_CONFIG, BIG_LIMIT),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            List<ConsumerRecord<byte[], byte[]>> records = pollAtLeastOne(consumer);

            assertArrayEquals(payload, records.get(0).value(), "the 4 MiB payload arrives unchanged");
        }
    }

    @Test
    void s3ProxyStoresListsAndReturnsObjectsThroughTheMinioClient() throws Exception {
        String bucket = "stack-test-" + UUID.randomUUID().toString().substring(0, 8);
        byte[] data = new byte[3 << 20];
        new Random(7).nextBytes(data);

        try (MinioClient client = minio(stack)) {
            client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
            client.putObject(PutObjectArgs.builder().bucket(bucket).object("runs/a/blob.bin").stream(
                            new ByteArrayInputStream(data), (long) data.length, null)
                    .build());
            client.putObject(PutObjectArgs.builder().bucket(bucket).object("runs/b/note.txt").stream(
                            new ByteArrayInputStream("note".getBytes(StandardCharsets.UTF_8)), 4L, null)
                    .contentType("text/plain")
                    .build());

            byte[] read;
            try (InputStream in = client.getObject(GetObjectArgs.builder()
                    .bucket(bucket)
                    .object("runs/a/blob.bin")
                    .build())) {
                read = in.readAllBytes();
            }
            List<String> keys = new ArrayList<>();
            for (Result<Item> item : client.listObjects(ListObjectsArgs.builder()
                    .bucket(bucket)
                    .prefix("runs/")
                    .recursive(true)
                    .build())) {
                keys.add(item.get().objectName());
            }

            assertArrayEquals(data, read, "the object reads back byte for byte");
            assertTrue(keys.containsAll(List.of("runs/a/blob.bin", "runs/b/note.txt")), "listed: " + keys);
        }
    }

    @Test
    void aStackRestartsOnItsWorkDirKeepingTopicsAndObjectsAndReleasesItsPorts(@TempDir Path workDir) throws Exception {
        LocalStack.Options options = LocalStack.Options.in(workDir);
        String topic;
        int kafkaPort;
        int s3Port;
        try (LocalStack first = LocalStack.start(options)) {
            topic = createTopic(first.kafkaBootstrapServers(), Map.of());
            try (MinioClient client = minio(first)) {
                client.makeBucket(MakeBucketArgs.builder().bucket("kept").build());
                client.putObject(PutObjectArgs.builder().bucket("kept").object("x").stream(
                                new ByteArrayInputStream(new byte[] {1, 2, 3}), 3L, null)
                        .build());
            }
            kafkaPort = port(first.kafkaBootstrapServers());
            s3Port = port(first.s3Endpoint());
        }
        assertTrue(Ports.isFree(kafkaPort) && Ports.isFree(s3Port), "close() waits until both children are gone");

        // the same client ports again (as `twinview up` does), a new controller port
        try (LocalStack second =
                        LocalStack.start(options.withKafkaPort(kafkaPort).withS3Port(s3Port));
                Admin admin = admin(second.kafkaBootstrapServers());
                MinioClient client = minio(second)) {
            assertTrue(
                    admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic), "topics survive a restart");
            try (InputStream in = client.getObject(
                    GetObjectArgs.builder().bucket("kept").object("x").build())) {
                assertArrayEquals(new byte[] {1, 2, 3}, in.readAllBytes(), "objects survive a restart");
            }
            IllegalStateException taken = assertThrows(
                    IllegalStateException.class,
                    () -> LocalStack.start(
                            LocalStack.Options.in(workDir.resolve("other")).withKafkaPort(kafkaPort)));
            assertTrue(taken.getMessage().contains("already in use"), taken.getMessage());
        }
    }

    @Test
    void theBrokerAndStorageStopAndStartOnTheirPortsAndDataWhileClientsWait(@TempDir Path workDir) throws Exception {
        try (LocalStack owned = LocalStack.start(LocalStack.Options.in(workDir))) {
            String topic = createTopic(owned.kafkaBootstrapServers(), Map.of());
            try (MinioClient client = minio(owned)) {
                client.makeBucket(MakeBucketArgs.builder().bucket("outage").build());
            }
            owned.stopBroker(true);
            owned.stopStorage(false);
            assertFalse(owned.brokerRunning() || owned.storageRunning(), "both children are down");
            assertTrue(
                    Ports.isFree(port(owned.kafkaBootstrapServers())) && Ports.isFree(port(owned.s3Endpoint())),
                    "a stopped child holds no port: clients see connection refused");
            assertThrows(
                    IllegalStateException.class,
                    () -> LocalStack.shared().stopBroker(false),
                    "the shared stack serves other tests: it cannot be stopped");

            owned.startBroker();
            owned.startStorage();
            try (Admin admin = admin(owned.kafkaBootstrapServers());
                    MinioClient client = minio(owned)) {
                assertTrue(
                        admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic),
                        "the broker comes back on its port with its topics");
                assertTrue(
                        client.bucketExists(io.minio.BucketExistsArgs.builder()
                                .bucket("outage")
                                .build()),
                        "S3Proxy comes back on its port with its buckets");
            }
            assertThrows(IllegalStateException.class, owned::startBroker, "a running broker is not started twice");
        }
    }

    @Test
    void aChildThatCannotStartFailsTheStartWithItsLogAndLeavesNothingRunning(@TempDir Path workDir) {
        ChildProcessException e = assertThrows(
                ChildProcessException.class,
                () -> LocalStack.start(LocalStack.Options.in(workDir).withKafkaHeap("1k")));

        assertTrue(e.getMessage().contains("kafka") && e.getMessage().contains("exited with code"), e.getMessage());
        assertTrue(e.getMessage().contains("heap"), "the log tail shows the JVM's complaint: " + e.getMessage());
        assertTrue(
                ProcessHandle.current()
                        .children()
                        .noneMatch(child -> child.info()
                                .arguments()
                                .map(args -> String.join(" ", args).contains(workDir.toString()))
                                .orElse(false)),
                "the S3Proxy child was stopped too");
    }

    @Test
    void s3CredentialsAreRandomAndStayOutOfCommandLinesAndLogs() throws IOException {
        LocalStack.Options one = LocalStack.Options.in(Path.of("x"));
        LocalStack.Options two = LocalStack.Options.in(Path.of("x"));
        assertNotEquals(one.s3SecretKey(), two.s3SecretKey(), "every stack gets its own secret: none to guess");
        assertNotEquals(one.s3AccessKey(), two.s3AccessKey(), "and its own access key");
        assertTrue(
                one.s3SecretKey().length() >= 40,
                "a secret of 40 random characters: " + one.s3SecretKey().length());

        Path properties = stack.workDir().resolve("s3").resolve("s3proxy.properties");
        assertEquals(
                "rw-------",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(properties)),
                "S3Proxy's copy of the credentials is readable by its owner only");
        assertTrue(Files.readString(properties).contains(stack.s3SecretKey()), "S3Proxy reads them from that file");
        List<ProcessHandle> children = ProcessHandle.current().descendants().toList();
        assertTrue(children.size() >= 2, "Kafka and S3Proxy run as children: " + children);
        for (ProcessHandle child : children) {
            Path cmdline = Path.of("/proc", Long.toString(child.pid()), "cmdline");
            if (Files.isReadable(cmdline)) {
                String command = Files.readString(cmdline).replace('\0', ' ');
                assertFalse(command.contains(stack.s3SecretKey()), "no secret on a command line: " + command);
                assertFalse(command.contains(stack.s3AccessKey()), "no access key on a command line: " + command);
            }
        }
        for (Path log : List.of(stack.kafkaLog(), stack.s3Log())) {
            String text = Files.readString(log);
            assertFalse(text.contains(stack.s3SecretKey()), "no secret in " + log);
            assertFalse(text.contains(stack.s3AccessKey()), "no access key in " + log);
        }
        IllegalArgumentException blank = assertThrows(
                IllegalArgumentException.class, () -> one.withS3Credentials("key", "a secret with spaces"));
        assertFalse(blank.getMessage().contains("a secret"), "a refused secret is not echoed: " + blank.getMessage());
        assertTrue(blank.getMessage().startsWith("s3SecretKey"), blank.getMessage());
    }

    @Test
    void optionsRejectBadValuesNamingTheField() {
        LocalStack.Options options = LocalStack.Options.in(Path.of("x"));
        IllegalArgumentException port =
                assertThrows(IllegalArgumentException.class, () -> options.withKafkaPort(70000));
        assertTrue(port.getMessage().startsWith("kafkaPort"), port.getMessage());
        IllegalArgumentException heap =
                assertThrows(IllegalArgumentException.class, () -> options.withKafkaHeap("lots"));
        assertTrue(heap.getMessage().startsWith("kafkaHeap"), heap.getMessage());
    }

    private static String createTopic(String bootstrap, Map<String, String> config) throws Exception {
        String topic = "stack-test-" + UUID.randomUUID();
        try (Admin admin = admin(bootstrap)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(config)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
        return topic;
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }

    private static MinioClient minio(LocalStack stack) {
        return MinioClient.builder()
                .endpoint(stack.s3Endpoint())
                .credentials(stack.s3AccessKey(), stack.s3SecretKey())
                .region("us-east-1")
                .build();
    }

    private static <K, V> List<ConsumerRecord<K, V>> pollAtLeastOne(KafkaConsumer<K, V> consumer) {
        List<ConsumerRecord<K, V>> records = new ArrayList<>();
        long deadline = System.nanoTime() + POLL_LIMIT.toNanos();
        while (records.isEmpty() && System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(500)).forEach(records::add);
        }
        assertTrue(!records.isEmpty(), "no record within " + POLL_LIMIT);
        return records;
    }

    private static int port(String address) {
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }
}
