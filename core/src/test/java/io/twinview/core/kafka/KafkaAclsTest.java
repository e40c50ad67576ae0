package io.twinview.core.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.stack.KafkaSecurity;
import io.twinview.stack.LocalStack;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each service's ACLs ({@link KafkaAcls#defaults()}) against the embedded broker in its secure mode, with
 * the clients the services make ({@link KafkaClients}): each may do what its code does, and the broker
 * refuses the rest with an error {@link KafkaClients#explain} turns into a sentence naming user and topic.
 */
class KafkaAclsTest {

    private static final String RUN = "acl-run";
    private static final String VIEWS = Topics.viewsTopic(RUN);
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path workDir;

    private static LocalStack stack;
    private static KafkaSecurity security;

    @BeforeAll
    static void startSecureBroker() {
        security = KafkaSecurity.generate(
                workDir.resolve("tls"),
                KafkaAcls.defaults(),
                List.of(
                        Topics.tasksTopic(Topics.DEFAULT_TASKS_TOPIC, 2),
                        Topics.checkpointsTopic(Topics.DEFAULT_CHECKPOINTS_TOPIC),
                        Topics.deadLetterTopic(Topics.DEFAULT_DEAD_LETTER_TOPIC)));
        stack = LocalStack.start(LocalStack.Options.in(workDir.resolve("stack")), security);
        try (Admin trainer = scram(KafkaAcls.TRAINER_USER).admin("acl-test-trainer")) {
            Topics.ensure(trainer, Topics.viewsTopic(RUN, 1, 3_600_000L, 64L << 20));
        }
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void theTrainerWritesTasksAndCheckpointsCreatesAndReadsViewsAndNothingElse() throws Exception {
        KafkaClients trainer = scram(KafkaAcls.TRAINER_USER);
        try (KafkaProducer<byte[], byte[]> producer = trainer.producer("acl-trainer")) {
            send(producer, Topics.DEFAULT_TASKS_TOPIC);
            send(producer, Topics.DEFAULT_CHECKPOINTS_TOPIC);
            assertRefused(
                    trainer, Topics.DEFAULT_DEAD_LETTER_TOPIC, () -> send(producer, Topics.DEFAULT_DEAD_LETTER_TOPIC));
        }
        try (KafkaProducer<byte[], byte[]> worker =
                scram(KafkaAcls.AUGMENT_USER).viewsProducer("acl-views")) {
            send(worker, VIEWS);
        }
        try (KafkaConsumer<byte[], byte[]> views = trainer.viewsConsumer("acl-trainer-views")) {
            Topics.assignAllFromBeginning(views, VIEWS, WAIT);
            assertFalse(poll(views).isEmpty(), "the trainer reads its run's views topic (Read on twinview.views.*)");
        }
        try (KafkaConsumer<byte[], byte[]> tasks = trainer.viewsConsumer("acl-trainer-tasks")) {
            assertRefused(trainer, Topics.DEFAULT_TASKS_TOPIC, () -> {
                // Describe lets it see the partitions; the fetch is what the broker refuses
                Topics.assignAllFromBeginning(tasks, Topics.DEFAULT_TASKS_TOPIC, WAIT);
                poll(tasks);
            });
        }
        try (Admin admin = trainer.admin("acl-trainer-admin")) {
            IllegalStateException other = assertThrows(
                    IllegalStateException.class,
                    () -> Topics.ensure(admin, Topics.tasksTopic("twinview.other", 1)),
                    "Create only under twinview.views.");
            assertTrue(
                    other.getMessage().contains("twinview.other")
                            && trainer.explain(other).contains("twinview-trainer"),
                    other.getMessage() + " / " + trainer.explain(other));
        }
    }

    @Test
    void theTrainerDeletesARunsViewsTopicAndNoSharedTopic() throws Exception {
        KafkaClients trainer = scram(KafkaAcls.TRAINER_USER);
        String ended = Topics.viewsTopic("acl-ended-run");
        try (Admin admin = trainer.admin("acl-trainer-delete")) {
            Topics.ensure(admin, Topics.viewsTopic("acl-ended-run", 1, 3_600_000L, 64L << 20));
            admin.deleteTopics(List.of(ended)).all().get(30, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + WAIT.toNanos();
            boolean listed = true;
            while (listed && System.nanoTime() < deadline) { // the broker's metadata follows the controller
                listed = admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(ended);
                Thread.sleep(listed ? 100 : 0);
            }
            assertFalse(listed, "the trainer deletes an ended run's views topic (Delete on twinview.views.*)");
            ExecutionException refused = assertThrows(
                    ExecutionException.class,
                    () -> admin.deleteTopics(List.of(Topics.DEFAULT_TASKS_TOPIC))
                            .all()
                            .get(30, TimeUnit.SECONDS),
                    "the trainer may not delete the shared tasks topic");
            assertInstanceOf(TopicAuthorizationException.class, refused.getCause(), refused.toString());
        }
    }

    @Test
    void aWorkerReadsTasksInItsGroupWritesViewsAndDeadLettersAndCannotWriteCheckpoints() throws Exception {
        KafkaClients worker = scram(KafkaAcls.AUGMENT_USER);
        try (KafkaProducer<byte[], byte[]> trainer =
                scram(KafkaAcls.TRAINER_USER).producer("acl-task-writer")) {
            send(trainer, Topics.DEFAULT_TASKS_TOPIC);
        }
        try (KafkaConsumer<byte[], byte[]> tasks =
                worker.tasksConsumer("acl-worker-tasks", KafkaAcls.AUGMENT_GROUP, Duration.ofSeconds(10))) {
            tasks.subscribe(List.of(Topics.DEFAULT_TASKS_TOPIC));
            assertFalse(poll(tasks).isEmpty(), "a worker reads the tasks topic in group twinview-augment");
            tasks.commitSync(WAIT);
        }
        try (KafkaProducer<byte[], byte[]> views = worker.viewsProducer("acl-worker-views");
                KafkaProducer<byte[], byte[]> letters = worker.producer("acl-worker-letters")) {
            send(views, VIEWS);
            send(letters, Topics.DEFAULT_DEAD_LETTER_TOPIC);
            String refused = assertRefused(
                    worker, Topics.DEFAULT_CHECKPOINTS_TOPIC, () -> send(views, Topics.DEFAULT_CHECKPOINTS_TOPIC));
            assertTrue(refused.contains("Kafka user 'twinview-augment'"), "the message names the user: " + refused);
        }
        try (Admin admin = worker.admin("acl-worker-admin")) {
            assertThrows(
                    IllegalStateException.class,
                    () -> Topics.ensure(admin, Topics.viewsTopic("forged-run", 1, 3_600_000L, 1L << 20)),
                    "a worker cannot create a views topic: only the trainer may");
        }
    }

    @Test
    void aWorkerWithAClientCertificateHasTheSameAcls() throws Exception {
        KafkaClients worker =
                new KafkaClients(security.mtlsBootstrapServers(), bounded(security.mtlsClient(KafkaAcls.AUGMENT_USER)));
        try (KafkaProducer<byte[], byte[]> views = worker.viewsProducer("acl-mtls-views")) {
            send(views, VIEWS);
            String refused = assertRefused(
                    worker, Topics.DEFAULT_CHECKPOINTS_TOPIC, () -> send(views, Topics.DEFAULT_CHECKPOINTS_TOPIC));
            assertTrue(refused.contains("TLS client certificate"), refused);
        }
    }

    @Test
    void evalReadsCheckpointEventsInItsGroupOnly() throws Exception {
        KafkaClients eval = scram(KafkaAcls.EVAL_USER);
        try (KafkaProducer<byte[], byte[]> trainer =
                scram(KafkaAcls.TRAINER_USER).producer("acl-event-writer")) {
            send(trainer, Topics.DEFAULT_CHECKPOINTS_TOPIC);
        }
        try (KafkaConsumer<byte[], byte[]> events = eval.checkpointEventsConsumer("acl-eval", KafkaAcls.EVAL_GROUP)) {
            events.subscribe(List.of(Topics.DEFAULT_CHECKPOINTS_TOPIC));
            assertFalse(poll(events).isEmpty(), "eval reads checkpoint events in group twinview-eval");
        }
        try (KafkaConsumer<byte[], byte[]> events = eval.checkpointEventsConsumer("acl-eval-other", "another-group")) {
            events.subscribe(List.of(Topics.DEFAULT_CHECKPOINTS_TOPIC));
            GroupAuthorizationException refused = assertThrows(GroupAuthorizationException.class, () -> poll(events));
            String explained = eval.explain(refused);
            assertTrue(
                    explained.contains("consumer group 'another-group'") && explained.contains("'twinview-eval'"),
                    "the message names group and user: " + explained);
        }
        try (KafkaProducer<byte[], byte[]> producer = eval.producer("acl-eval-writer")) {
            // eval may write no topic at all, so its idempotent producer is refused its producer id already: the
            // send fails in its future, or, once the producer has entered its error state, at once (a race)
            Exception refused = assertThrows(Exception.class, () -> send(producer, Topics.DEFAULT_CHECKPOINTS_TOPIC));
            assertTrue(
                    refused instanceof ExecutionException || refused instanceof KafkaException,
                    "the send fails, in its future or at once: " + refused);
            assertInstanceOf(ClusterAuthorizationException.class, refused.getCause(), "eval cannot produce");
            assertTrue(eval.explain(refused).contains("'twinview-eval'"), eval.explain(refused));
        }
    }

    @Test
    void aWrongPasswordIsAnAuthenticationFailureNamingTheUser() {
        KafkaClients wrong = new KafkaClients(
                stack.kafkaBootstrapServers(), bounded(security.scramClient(KafkaAcls.EVAL_USER, "wrong-password")));
        try (KafkaProducer<byte[], byte[]> producer = wrong.producer("acl-wrong-password")) {
            ExecutionException failed =
                    assertThrows(ExecutionException.class, () -> send(producer, Topics.DEFAULT_CHECKPOINTS_TOPIC));
            assertInstanceOf(SaslAuthenticationException.class, failed.getCause(), "SCRAM refuses the password");
            String explained = wrong.explain(failed);
            assertTrue(
                    explained.startsWith("Kafka authentication failed for Kafka user 'twinview-eval'")
                            && !explained.contains("wrong-password"),
                    "the message says authentication and the user, never the password: " + explained);
        }
    }

    /** Runs {@code call}, expects the broker's refusal on {@code topic}, and returns the explanation. */
    private static String assertRefused(KafkaClients clients, String topic, ThrowingCall call) {
        Exception failed = assertThrows(Exception.class, call::run, "no ACL allows this on " + topic);
        Throwable cause = failed instanceof ExecutionException ? failed.getCause() : failed;
        TopicAuthorizationException refused =
                assertInstanceOf(TopicAuthorizationException.class, cause, "the broker refuses: " + failed);
        assertEquals(List.of(topic), List.copyOf(refused.unauthorizedTopics()), "the refusal names the topic");
        String explained = clients.explain(failed);
        assertTrue(explained.contains("topic(s) [" + topic + "]"), "the message names the topic: " + explained);
        return explained;
    }

    private interface ThrowingCall {
        void run() throws Exception;
    }

    private static KafkaClients scram(String user) {
        return new KafkaClients(stack.kafkaBootstrapServers(), bounded(security.scramClient(user)));
    }

    /** A refused call ends in seconds, not after Kafka's one-minute defaults. */
    private static Map<String, String> bounded(Map<String, String> client) {
        Map<String, String> properties = new HashMap<>(client);
        properties.put("max.block.ms", "20000");
        properties.put("request.timeout.ms", "10000");
        properties.put("default.api.timeout.ms", "20000");
        return properties;
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic) throws Exception {
        producer.send(new ProducerRecord<>(topic, "x".getBytes(StandardCharsets.UTF_8)))
                .get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private static List<ConsumerRecord<byte[], byte[]>> poll(KafkaConsumer<byte[], byte[]> consumer) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (records.isEmpty() && System.nanoTime() < deadline) {
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        }
        return records;
    }
}
