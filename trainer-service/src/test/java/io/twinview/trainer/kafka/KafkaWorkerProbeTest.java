package io.twinview.trainer.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.twinview.core.kafka.KafkaClients;
import io.twinview.stack.LocalStack;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;

/** The worker probe against a real broker: members of the augment group as the broker sees them. */
class KafkaWorkerProbeTest {

    @Test
    void countsTheMembersOfTheWorkersGroupAndNoneBeforeAnyJoined() throws Exception {
        LocalStack stack = LocalStack.shared();
        KafkaClients kafka = KafkaClients.of(stack.kafkaBootstrapServers());
        String group = "probe-test-" + System.nanoTime();
        String topic = group + "-tasks";
        try (Admin admin = kafka.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        try (KafkaWorkerProbe probe = new KafkaWorkerProbe(kafka, group)) {
            assertEquals(OptionalInt.of(0), probe.members(), "a group no worker ever joined has no member");
            try (KafkaConsumer<byte[], byte[]> worker =
                    kafka.tasksConsumer("probe-test-worker", group, Duration.ofSeconds(10))) {
                worker.subscribe(List.of(topic));
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                OptionalInt members = OptionalInt.empty();
                while (System.nanoTime() < deadline) {
                    worker.poll(Duration.ofMillis(200)); // joins the group
                    members = probe.members();
                    if (members.equals(OptionalInt.of(1))) {
                        break;
                    }
                }
                assertEquals(OptionalInt.of(1), members, "a worker polling in the group is a member");
            }
            assertEquals(
                    OptionalInt.of(0),
                    probe.members(),
                    "a worker that closed its consumer left the group at once (LeaveGroup): no member");
        }
    }
}
