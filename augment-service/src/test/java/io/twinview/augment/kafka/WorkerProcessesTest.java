package io.twinview.augment.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.core.kafka.KafkaClients;
import io.twinview.core.kafka.Topics;
import io.twinview.proto.v1.AugmentTask;
import io.twinview.proto.v1.ViewBatch;
import io.twinview.stack.JavaProcess;
import io.twinview.stack.LocalStack;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two real worker processes ({@link WorkerMain} in child JVMs on this test's classpath) in one
 * consumer group against the shared broker: how they split the tasks, what a SIGKILL loses, and how
 * a SIGTERM hands the work over at once.
 */
class WorkerProcessesTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final int TASKS_PARTITIONS = Topics.DEFAULT_TASKS_PARTITIONS;
    /** The broker's smallest group.min.session.timeout.ms: a killed worker's tasks move after this. */
    private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(6);

    private KafkaTestSupport kafka;
    private WorkerProcesses workers;
    private String tasksTopic;
    private String group;

    @BeforeEach
    void setUp() {
        kafka = new KafkaTestSupport(LocalStack.shared().kafkaBootstrapServers());
        tasksTopic = KafkaTestSupport.unique("proc.tasks");
        group = KafkaTestSupport.unique("proc-group");
        Topics.ensure(kafka.admin(), Topics.tasksTopic(tasksTopic, TASKS_PARTITIONS));
        workers = new WorkerProcesses(tasksTopic, TASKS_PARTITIONS, group, SESSION_TIMEOUT);
    }

    @AfterEach
    void tearDown() {
        workers.close();
        kafka.close();
    }

    @Test
    void twoWorkerProcessesEachTakeAboutHalfOfTheTasks() {
        String runId = KafkaTestSupport.unique("share");
        String viewsTopic = kafka.createViewsTopic(runId);
        workers.start(2, kafka, TIMEOUT);
        int tasks = 128; // 32 partitions, 16 per worker: the key hash spreads 128 tasks to about 64 each
        for (int t = 0; t < tasks; t++) {
            AugmentTask task = KafkaTestSupport.task(
                            runId,
                            t,
                            "synthetic:?n=512",
                            LongStream.range(t * 4L, t * 4L + 4).toArray(),
                            4)
                    .build();
            kafka.publish(tasksTopic, null, trainerKey(task), task.toByteArray());
        }

        List<ConsumerRecord<byte[], byte[]>> records = kafka.readAll(viewsTopic, tasks, TIMEOUT, Duration.ofSeconds(1));

        Map<String, Set<Long>> tasksByWorker = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            ViewBatch batch = KafkaTestSupport.parse(record);
            tasksByWorker
                    .computeIfAbsent(batch.getWorkerId(), w -> new HashSet<>())
                    .add(batch.getTaskId());
        }
        assertEquals(
                tasks,
                tasksByWorker.values().stream().mapToInt(Set::size).sum(),
                "every task was done once (no worker died, so none was redone): " + tasksByWorker.keySet());
        assertEquals(2, tasksByWorker.size(), "both worker processes took tasks: " + tasksByWorker.keySet());
        System.out.printf(
                "share test: tasks per worker %s%n",
                tasksByWorker.entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue().size())
                        .toList());
        tasksByWorker.forEach((worker, done) -> {
            double share = done.size() / (double) tasks;
            assertTrue(
                    share >= 0.35 && share <= 0.65,
                    "worker " + worker + " took " + done.size() + " of " + tasks + " tasks (" + Math.round(100 * share)
                            + "%): each of two workers takes 35-65%");
        });
    }

    @Test
    void aWorkerKilledMidTaskLosesNoSampleAndTheDuplicatesDropOut() {
        TwoWorkers run = twoWorkersOnSlowTasks("sigkill");
        String viewsTopic = run.viewsTopic();
        List<JavaProcess> pair = run.pair();
        Map<Long, AugmentTask> tasks = run.tasks();
        int samples = SLOW_SAMPLES;
        int recordsPerTask = SLOW_PER_TASK / SLOW_PER_RECORD;

        ViewDedup dedup = new ViewDedup();
        String victimId;
        try (KafkaConsumer<byte[], byte[]> views = viewsConsumer(viewsTopic)) {
            victimId = awaitATaskStarting(views, dedup).getWorkerId();
            JavaProcess victim = pair.stream()
                    .filter(p -> p.name().equals(victimId))
                    .findFirst()
                    .orElseThrow();
            int exit = victim.kill(); // SIGKILL: no shutdown hook, no commit, no goodbye to the group
            assertEquals(137, exit, "the worker died of SIGKILL (128 + 9)");
            readUntilEverySample(views, dedup, samples);
        }

        assertEverySampleOnceAndEveryTaskComplete(dedup, samples, tasks, recordsPerTask);
        Map<Long, Integer> victimRecords = dedup.recordsBy(victimId);
        assertTrue(
                victimRecords.values().stream().anyMatch(n -> n < recordsPerTask),
                "the victim was killed inside a task (it made only part of a task's records): " + victimRecords);
        String survivor = workers.alive().get(0).name();
        long redone = victimRecords.entrySet().stream()
                .filter(e -> e.getValue() < recordsPerTask)
                .filter(e -> dedup.recordsBy(survivor).getOrDefault(e.getKey(), 0) == recordsPerTask)
                .count();
        assertTrue(redone >= 1, "the survivor redid the task the victim left part-way, from its first record");
        System.out.printf(
                "sigkill test: victim %s made %s records per task; %d duplicate records dropped%n",
                victimId, victimRecords, dedup.duplicates());
    }

    @Test
    void aWorkerSigtermedMidTaskLeavesTheGroupAtOnceAndAnotherRedoesItsTask() {
        // Kafka's default 45 s session: only the victim's LeaveGroup can move its partitions sooner
        Duration session = WorkerSettings.DEFAULT_SESSION_TIMEOUT;
        workers = new WorkerProcesses(tasksTopic, TASKS_PARTITIONS, group, session);
        TwoWorkers run = twoWorkersOnSlowTasks("sigterm");
        String viewsTopic = run.viewsTopic();
        List<JavaProcess> pair = run.pair();
        Map<Long, AugmentTask> tasks = run.tasks();
        int samples = SLOW_SAMPLES;
        int recordsPerTask = SLOW_PER_TASK / SLOW_PER_RECORD;

        ViewDedup dedup = new ViewDedup();
        JavaProcess victim;
        Duration rebalance;
        try (KafkaConsumer<byte[], byte[]> views = viewsConsumer(viewsTopic)) {
            ViewBatch first = awaitATaskStarting(views, dedup);
            victim = pair.stream()
                    .filter(p -> p.name().equals(first.getWorkerId()))
                    .findFirst()
                    .orElseThrow();
            long sigterm = System.nanoTime();
            victim.terminate(); // SIGTERM: the worker abandons its task at the next record and leaves
            kafka.awaitGroup(group, 1, TASKS_PARTITIONS, session);
            rebalance = Duration.ofNanos(System.nanoTime() - sigterm);
            assertEquals(143, victim.waitFor(Duration.ofSeconds(30)).orElse(-1), "the worker exited on SIGTERM");
            readUntilEverySample(views, dedup, samples);
        }

        assertTrue(
                rebalance.compareTo(session.dividedBy(3)) < 0,
                "the survivor held every partition " + rebalance.toMillis() + " ms after the SIGTERM: well inside"
                        + " the " + session.toSeconds() + " s session timeout, so the victim left the group");
        assertEverySampleOnceAndEveryTaskComplete(dedup, samples, tasks, recordsPerTask);
        Map<Long, Integer> victimRecords = dedup.recordsBy(victim.name());
        String survivor = workers.alive().get(0).name();
        List<Long> abandoned = victimRecords.entrySet().stream()
                .filter(e -> e.getValue() < recordsPerTask)
                .map(Map.Entry::getKey)
                .toList();
        assertEquals(1, abandoned.size(), "the victim left exactly one task part-way: " + victimRecords);
        assertEquals(
                recordsPerTask,
                dedup.recordsBy(survivor).getOrDefault(abandoned.get(0), 0),
                "the survivor redid the abandoned task from its first record");
        System.out.printf(
                "sigterm test: group rebalanced %d ms after SIGTERM (session timeout %d s); victim %s made %s"
                        + " records per task; %d duplicate records dropped%n",
                rebalance.toMillis(), session.toSeconds(), victim.name(), victimRecords, dedup.duplicates());
    }

    /** 12 tasks of 40 samples in records of 2 (20 records per task), slow enough to be stopped inside. */
    private static final int SLOW_SAMPLES = 480;

    private static final int SLOW_PER_TASK = 40;
    private static final int SLOW_PER_RECORD = 2;

    /** Two worker processes, and the slow tasks of a new run published for them. */
    private record TwoWorkers(List<JavaProcess> pair, String viewsTopic, Map<Long, AugmentTask> tasks) {}

    private TwoWorkers twoWorkersOnSlowTasks(String name) {
        String runId = KafkaTestSupport.unique(name);
        String viewsTopic = kafka.createViewsTopic(runId);
        List<JavaProcess> pair = workers.start(2, kafka, TIMEOUT);
        return new TwoWorkers(pair, viewsTopic, publishSlowTasks(runId, SLOW_SAMPLES, SLOW_PER_TASK, SLOW_PER_RECORD));
    }

    /**
     * Publishes {@code samples / perTask} tasks of synthetic 512 px images in records of {@code perRecord}:
     * images are drawn on every read, so a task takes long enough (tenths of a second) to be stopped inside.
     */
    private Map<Long, AugmentTask> publishSlowTasks(String runId, int samples, int perTask, int perRecord) {
        String dataset = "synthetic:?n=" + samples + "&size=512";
        Map<Long, AugmentTask> tasks = new TreeMap<>();
        for (int t = 0; t * perTask < samples; t++) {
            AugmentTask task = KafkaTestSupport.task(
                            runId,
                            t,
                            dataset,
                            LongStream.range((long) t * perTask, (long) (t + 1) * perTask)
                                    .toArray(),
                            perRecord)
                    .setEpoch(0)
                    .build();
            tasks.put(task.getTaskId(), task);
            kafka.publish(tasksTopic, null, trainerKey(task), task.toByteArray());
        }
        return tasks;
    }

    /** The first record that starts a task: its worker has the rest of that task still to make. */
    private static ViewBatch awaitATaskStarting(KafkaConsumer<byte[], byte[]> views, ViewDedup dedup) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            ViewBatch first = null;
            for (ConsumerRecord<byte[], byte[]> record : views.poll(Duration.ofMillis(20))) {
                ViewBatch batch = KafkaTestSupport.parse(record);
                dedup.accept(batch);
                if (first == null && batch.getSequence() == 0) {
                    first = batch;
                }
            }
            if (first != null) {
                return first;
            }
        }
        throw new AssertionError("the workers produced no views within " + TIMEOUT.toSeconds() + " s");
    }

    /** Reads views until every sample arrived (after dedup), then 2 s more for late duplicates. */
    private static void readUntilEverySample(KafkaConsumer<byte[], byte[]> views, ViewDedup dedup, int samples) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (dedup.samples().size() < samples && System.nanoTime() < deadline) {
            views.poll(Duration.ofMillis(200)).forEach(r -> dedup.accept(KafkaTestSupport.parse(r)));
        }
        long quiet = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (System.nanoTime() < quiet) {
            views.poll(Duration.ofMillis(200)).forEach(r -> dedup.accept(KafkaTestSupport.parse(r)));
        }
    }

    private static void assertEverySampleOnceAndEveryTaskComplete(
            ViewDedup dedup, int samples, Map<Long, AugmentTask> tasks, int recordsPerTask) {
        Map<Long, Integer> times = new TreeMap<>();
        dedup.samples().forEach(s -> times.merge(s, 1, Integer::sum));
        assertEquals(
                LongStream.range(0, samples).boxed().toList(),
                new ArrayList<>(times.keySet()),
                "after dropping duplicate (task_id, sequence) records, every sample of the epoch arrived");
        times.forEach(
                (sample, count) -> assertEquals(1, count, "sample " + sample + " arrived exactly once after dedup"));
        tasks.keySet()
                .forEach(taskId -> assertEquals(
                        recordsPerTask,
                        dedup.sequencesOf(taskId),
                        "task " + taskId + " is complete: all its records arrived"));
    }

    /** The trainer's key: {@code <run-id>/<task-id>} (KafkaTaskSink), so tasks spread over partitions as in a run. */
    private static byte[] trainerKey(AugmentTask task) {
        return (task.getRunId() + "/" + task.getTaskId()).getBytes(StandardCharsets.UTF_8);
    }

    private KafkaConsumer<byte[], byte[]> viewsConsumer(String topic) {
        KafkaConsumer<byte[], byte[]> consumer =
                KafkaClients.of(LocalStack.shared().kafkaBootstrapServers()).viewsConsumer("test-views-reader");
        Topics.assignAllFromBeginning(consumer, topic, Duration.ofSeconds(30));
        return consumer;
    }
}
