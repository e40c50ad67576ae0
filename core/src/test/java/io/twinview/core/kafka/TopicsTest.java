package io.twinview.core.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.twinview.stack.LocalStack;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
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
            assertEquals("3600000", config.get(TopicConfig.RETENTION_MS_CONFIG).value(), "views expire after the retention time");
            assertEquals(String.valueOf(64L << 20), config.get(TopicConfig.RETENTION_BYTES_CONFIG).value(),
                    "and each partition is capped in bytes");
            assertEquals(String.valueOf(Topics.VIEWS_MAX_MESSAGE_BYTES), config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG).value(),
                    "records up to four times a ViewBatch's pixels are accepted");
            assertEquals(2, partitions(admin, Topics.viewsTopic(runId)), "creation is idempotent: the first settings stay");
        }
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, LocalStack.shared().kafkaBootstrapServers()));
    }

    private static Config config(Admin admin, String topic) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
    }

    private static int partitions(Admin admin, String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions().size();
    }
}
