package io.twinview.core.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.stack.LocalStack;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

/** The topics' settings as a real broker ({@link LocalStack#shared()}) stores them. */
class TopicsTest {

    @Test
    void aViewsTopicIsBoundedByRetentionSoTheBrokersDiskCannotFill() throws Exception {
        String runId = "topics-test-" + UUID.randomUUID();
        try (Admin admin = admin()) {
            Topics.ensure(admin, Topics.viewsTopic(runId, 2, 3_600_000L, 64L << 20));
            Topics.ensure(admin, Topics.viewsTopic(runId, 5, 1L, 1L)); // a second creation leaves the topic as it is

            Config config = config(admin, Topics.viewsTopic(runId));
            assertEquals(
                    "3600000",
                    config.get(TopicConfig.RETENTION_MS_CONFIG).value(),
                    "views expire after the retention time");
            assertEquals(
                    String.valueOf(64L << 20),
                    config.get(TopicConfig.RETENTION_BYTES_CONFIG).value(),
                    "and each partition is capped in bytes");
            assertEquals(
                    String.valueOf(Topics.VIEWS_MAX_MESSAGE_BYTES),
                    config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG).value(),
                    "records up to four times a ViewBatch's pixels are accepted");
            assertEquals(
                    2, partitions(admin, Topics.viewsTopic(runId)), "creation is idempotent: the first settings stay");
        }
    }

    @Test
    void aTopicCreatedAMomentAgoIsAssignedWholeFromItsBeginning() {
        String runId = "topics-assign-" + UUID.randomUUID();
        try (Admin admin = admin();
                KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            Topics.ensure(admin, Topics.viewsTopic(runId, 3, 3_600_000L, 64L << 20));

            List<TopicPartition> assigned =
                    Topics.assignAllFromBeginning(consumer, Topics.viewsTopic(runId), Duration.ofSeconds(30));

            List<TopicPartition> expected = List.of(0, 1, 2).stream()
                    .map(p -> new TopicPartition(Topics.viewsTopic(runId), p))
                    .toList();
            assertEquals(expected, assigned, "every partition, in order, right after creation");
            assertEquals(Set.copyOf(expected), consumer.assignment(), "the consumer holds exactly those partitions");
            for (TopicPartition partition : expected) {
                assertEquals(0L, consumer.position(partition, Duration.ofSeconds(30)), "each starts at its beginning");
            }
        }
    }

    @Test
    void assigningATopicThatDoesNotExistFailsNamingIt() {
        String topic = "twinview.never-created-" + UUID.randomUUID();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            IllegalStateException e = assertThrows(
                    IllegalStateException.class,
                    () -> Topics.assignAllFromBeginning(consumer, topic, Duration.ofSeconds(2)));
            assertTrue(e.getMessage().contains(topic), "the error names the topic: " + e.getMessage());
        }
    }

    /** The trainer's views consumer: it is the one that assigns views topics from their beginning. */
    private static KafkaConsumer<byte[], byte[]> consumer() {
        return KafkaClients.of(LocalStack.shared().kafkaBootstrapServers()).viewsConsumer("topics-test");
    }

    private static Admin admin() {
        return KafkaClients.of(LocalStack.shared().kafkaBootstrapServers()).admin();
    }

    private static Config config(Admin admin, String topic) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(resource))
                .all()
                .get(30, TimeUnit.SECONDS)
                .get(resource);
    }

    private static int partitions(Admin admin, String topic) throws Exception {
        return admin.describeTopics(List.of(topic))
                .allTopicNames()
                .get(30, TimeUnit.SECONDS)
                .get(topic)
                .partitions()
                .size();
    }
}
