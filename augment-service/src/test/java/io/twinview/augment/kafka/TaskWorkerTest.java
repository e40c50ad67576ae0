package io.twinview.augment.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.core.kafka.Topics;
import io.twinview.proto.v1.AugmentTask;
import io.twinview.stack.LocalStack;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link TaskWorker} built directly, each test with its own tasks topic and group on the shared broker. */
class TaskWorkerTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private KafkaTestSupport kafka;
    private final List<TaskWorker> workers = new ArrayList<>();
    private String tasksTopic;
    private String group;

    @BeforeEach
    void setUp() {
        kafka = new KafkaTestSupport(LocalStack.shared().kafkaBootstrapServers());
        tasksTopic = KafkaTestSupport.unique("test.tasks");
        group = KafkaTestSupport.unique("test-group");
    }

    @AfterEach
    void tearDown() {
        workers.forEach(TaskWorker::close);
        for (TaskWorker worker : workers) {
            assertNoThreadsOf(worker);
        }
        kafka.close();
    }

    private TaskWorker start(int threads, Duration backoff) {
        WorkerSettings settings = new WorkerSettings(LocalStack.shared().kafkaBootstrapServers(), tasksTopic, 3, group,
                KafkaTestSupport.unique("worker"), threads, backoff);
        TaskWorker worker = TaskWorker.start(settings);
        workers.add(worker);
        KafkaTestSupport.await("worker " + settings.workerId() + " has subscribed", TIMEOUT, worker::subscribed);
        return worker;
    }

    @Test
    void anyThreadCountProducesTheSamePixels() {
        for (int threads : new int[] {1, 3}) {
            String runId = KafkaTestSupport.unique("threads-" + threads);
            String viewsTopic = kafka.createViewsTopic(runId);
            long[] indices = LongStream.range(0, 300).map(i -> (i * 7919) % 300).toArray(); // a permutation of 0..299
            AugmentTask task = KafkaTestSupport.task(runId, 12, "synthetic:?n=300", indices, 100).build();
            TaskWorker worker = start(threads, Duration.ofMillis(500));

            RecordMetadata sent = kafka.publish(tasksTopic, null, null, task.toByteArray());

            List<ConsumerRecord<byte[], byte[]>> records = kafka.readAll(viewsTopic, 3, TIMEOUT, Duration.ofMillis(500));
            ViewAssertions.assertViewsOf(task, records, worker.settings().workerId());
            KafkaTestSupport.awaitValue("the task's offset is committed", TIMEOUT,
                    () -> kafka.committed(group, new TopicPartition(tasksTopic, sent.partition())),
                    offset -> offset == sent.offset() + 1);
            worker.close();
            assertNoThreadsOf(worker);
            group = KafkaTestSupport.unique("test-group"); // the next worker reads the topic afresh
        }
    }

    @Test
    void aTaskWhoseViewsAreRefusedStaysUncommittedAndIsRedoneByTheNextWorkerOfTheGroup() throws Exception {
        String runId = KafkaTestSupport.unique("refused");
        String viewsTopic = kafka.createViewsTopic(runId);
        setMaxMessageBytes(viewsTopic, 10_000); // each record of 16 samples is ~98 KB: the broker refuses them
        AugmentTask task = KafkaTestSupport.task(runId, 5, "synthetic:?n=300", LongStream.range(100, 164).toArray(), 16)
                .build();
        TaskWorker first = start(2, Duration.ofMillis(300));

        RecordMetadata sent = kafka.publish(tasksTopic, null, null, task.toByteArray());

        KafkaTestSupport.await("the first worker has tried the task three times", TIMEOUT,
                () -> first.stats().snapshot().produceFailures() >= 3);
        TopicPartition partition = new TopicPartition(tasksTopic, sent.partition());
        assertEquals(-1, kafka.committed(group, partition), "a task whose views were refused is not committed");
        assertEquals(0, first.stats().snapshot().tasksCompleted(), "nor counted as completed");
        assertEquals(0, first.stats().snapshot().tasksSkipped(), "nor skipped: it is read again");
        first.close();

        setMaxMessageBytes(viewsTopic, Topics.VIEWS_MAX_MESSAGE_BYTES);
        TaskWorker second = start(2, Duration.ofMillis(300));

        List<ConsumerRecord<byte[], byte[]>> records = kafka.readAll(viewsTopic, 4, TIMEOUT, Duration.ofMillis(500));
        ViewAssertions.assertViewsOf(task, records, second.settings().workerId());
        KafkaTestSupport.awaitValue("the redone task's offset is committed", TIMEOUT,
                () -> kafka.committed(group, partition), offset -> offset == sent.offset() + 1);
        assertEquals(1, second.stats().snapshot().tasksCompleted(), "the second worker completed the task");
    }

    @Test
    void aTaskForAViewsTopicThatDoesNotExistIsSkipped() {
        String runId = KafkaTestSupport.unique("no-views-topic");
        AugmentTask missing = KafkaTestSupport.task(runId, 1, "synthetic:?n=300", new long[] {1, 2, 3}, 2).build();
        String goodRun = KafkaTestSupport.unique("after-missing");
        String goodTopic = kafka.createViewsTopic(goodRun);
        AugmentTask good = KafkaTestSupport.task(goodRun, 2, "synthetic:?n=300", new long[] {4, 5, 6}, 2).build();
        TaskWorker worker = start(1, Duration.ofMillis(300));

        kafka.publish(tasksTopic, 0, null, missing.toByteArray());
        RecordMetadata sent = kafka.publish(tasksTopic, 0, null, good.toByteArray());

        ViewAssertions.assertViewsOf(good, kafka.readAll(goodTopic, 2, TIMEOUT, Duration.ofMillis(500)),
                worker.settings().workerId());
        assertEquals(1, worker.stats().snapshot().tasksSkipped(), "the task without a views topic is skipped");
        assertTrue(worker.stats().snapshot().lastSkip().contains(missing.getViewsTopic() + " does not exist"),
                "the reason names the missing topic: " + worker.stats().snapshot().lastSkip());
        KafkaTestSupport.awaitValue("both offsets are committed", TIMEOUT,
                () -> kafka.committed(group, new TopicPartition(tasksTopic, 0)), offset -> offset == sent.offset() + 1);
    }

    @Test
    void closeReturnsPromptlyAndLeavesNoThreadsEvenWithoutABroker() {
        WorkerSettings settings = new WorkerSettings("127.0.0.1:1", tasksTopic, 3, group,
                KafkaTestSupport.unique("unreachable"), 2, Duration.ofSeconds(5));
        TaskWorker worker = TaskWorker.start(settings);
        KafkaTestSupport.await("the loop is running", TIMEOUT, worker::alive);
        assertTrue(!worker.subscribed(), "without a broker the worker cannot create or subscribe to the tasks topic");

        long started = System.nanoTime();
        worker.close();
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        assertTrue(millis < 10_000, "close() cuts short the wait for a broker, took " + millis + " ms");
        assertTrue(!worker.alive(), "the loop has ended");
        assertNoThreadsOf(worker);
    }

    private void setMaxMessageBytes(String topic, int bytes) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        AlterConfigOp op = new AlterConfigOp(new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(bytes)),
                AlterConfigOp.OpType.SET);
        Map<ConfigResource, Collection<AlterConfigOp>> change = Map.of(resource, List.of(op));
        kafka.admin().incrementalAlterConfigs(change).all().get(30, TimeUnit.SECONDS);
    }

    /** No thread of the worker's own or of its Kafka clients (named after its id and group) is alive. */
    private static void assertNoThreadsOf(TaskWorker worker) {
        String id = worker.settings().workerId();
        String groupName = worker.settings().groupId();
        KafkaTestSupport.await("every thread of worker " + id + " has ended", Duration.ofSeconds(10),
                () -> Thread.getAllStackTraces().keySet().stream()
                        .noneMatch(t -> t.isAlive() && (t.getName().contains(id) || t.getName().endsWith("| " + groupName))));
    }
}
