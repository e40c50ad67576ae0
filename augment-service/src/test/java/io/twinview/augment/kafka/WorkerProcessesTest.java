package io.twinview.augment.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.core.kafka.KafkaClients;
import io.twinview.core.kafka.Topics;
import io.twinview.proto.v1.AugmentTask;
import io.twinview.proto.v1.ViewBatch;
import io.twinview.stack.JavaProcess;
import io.twinview.stack.LocalStack;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
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
 * consumer group against the shared broker: how they split the tasks, and what a SIGKILL loses.
 */
class WorkerProcessesTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final int TASKS_PARTITIONS = Topics.DEFAULT_TASKS_PARTITIONS;
    /** The broker's smallest group.min.session.timeout.ms: a killed worker's tasks move after this. */
    private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(6);

    private KafkaTestSupport kafka;
    private final List<JavaProcess> workers = new ArrayList<>();
    private String tasksTopic;
    private String group;

    @BeforeEach
    void setUp() {
        kafka = new KafkaTestSupport(LocalStack.shared().kafkaBootstrapServers());
        tasksTopic = KafkaTestSupport.unique("proc.tasks");
        group = KafkaTestSupport.unique("proc-group");
        Topics.ensure(kafka.admin(), Topics.tasksTopic(tasksTopic, TASKS_PARTITIONS));
    }

    @AfterEach
    void tearDown() {
        workers.forEach(w -> w.stop(Duration.ofSeconds(10)));
        kafka.close();
    }

    @Test
    void twoWorkerProcessesEachTakeAboutHalfOfTheTasks() {
        String runId = KafkaTestSupport.unique("share");
        String viewsTopic = kafka.createViewsTopic(runId);
        startWorkers(2);
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
        String runId = KafkaTestSupport.unique("sigkill");
        String viewsTopic = kafka.createViewsTopic(runId);
        List<JavaProcess> pair = startWorkers(2);
        // 12 tasks of 40 samples in records of 2: 20 records per task. Synthetic images of 512 px are
        // drawn on every read, so a task takes long enough (tenths of a second) to be killed inside.
        int samples = 480;
        int perTask = 40;
        int perRecord = 2;
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
        int recordsPerTask = perTask / perRecord;

        Dedup dedup = new Dedup();
        String victimId;
        try (KafkaConsumer<byte[], byte[]> views = viewsConsumer(viewsTopic)) {
            // the first record that starts a task: its worker has 19 more records of that task to make
            ViewBatch first = null;
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (first == null && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : views.poll(Duration.ofMillis(20))) {
                    ViewBatch batch = KafkaTestSupport.parse(record);
                    dedup.accept(batch);
                    if (first == null && batch.getSequence() == 0) {
                        first = batch;
                    }
                }
            }
            assertTrue(first != null, "the workers started producing views");
            victimId = first.getWorkerId();
            JavaProcess victim = pair.stream()
                    .filter(p -> p.name().equals(victimId))
                    .findFirst()
                    .orElseThrow();
            int exit = victim.kill(); // SIGKILL: no shutdown hook, no commit, no goodbye to the group
            assertEquals(137, exit, "the worker died of SIGKILL (128 + 9)");

            deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (dedup.samples().size() < samples && System.nanoTime() < deadline) {
                views.poll(Duration.ofMillis(200)).forEach(r -> dedup.accept(KafkaTestSupport.parse(r)));
            }
            long quiet = System.nanoTime() + Duration.ofSeconds(2).toNanos(); // late duplicates
            while (System.nanoTime() < quiet) {
                views.poll(Duration.ofMillis(200)).forEach(r -> dedup.accept(KafkaTestSupport.parse(r)));
            }
        }

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
        Map<Long, Integer> victimRecords = dedup.recordsBy(victimId);
        assertTrue(
                victimRecords.values().stream().anyMatch(n -> n < recordsPerTask),
                "the victim was killed inside a task (it made only part of a task's records): " + victimRecords);
        String survivor = workers.stream()
                .filter(JavaProcess::isAlive)
                .findFirst()
                .orElseThrow()
                .name();
        long redone = victimRecords.entrySet().stream()
                .filter(e -> e.getValue() < recordsPerTask)
                .filter(e -> dedup.recordsBy(survivor).getOrDefault(e.getKey(), 0) == recordsPerTask)
                .count();
        assertTrue(redone >= 1, "the survivor redid the task the victim left part-way, from its first record");
        System.out.printf(
                "sigkill test: victim %s made %s records per task; %d duplicate records dropped%n",
                victimId, victimRecords, dedup.duplicates());
    }

    /**
     * The trainer's duplicate dropping, mirrored: {@code TaskLedger} (trainer-service) is package-private
     * in a module this one must not depend on. A record is new when its (task_id, sequence) was not seen.
     */
    private static final class Dedup {
        private final Set<List<Long>> seen = new HashSet<>();
        private final List<Long> samples = new ArrayList<>();
        private final Map<Long, Integer> sequences = new HashMap<>();
        private final Map<String, Map<Long, Integer>> byWorker = new HashMap<>();
        private long duplicates;

        void accept(ViewBatch batch) {
            byWorker.computeIfAbsent(batch.getWorkerId(), w -> new TreeMap<>())
                    .merge(batch.getTaskId(), 1, Integer::sum);
            if (!seen.add(List.of(batch.getTaskId(), (long) batch.getSequence()))) {
                duplicates++;
                return;
            }
            sequences.merge(batch.getTaskId(), 1, Integer::sum);
            samples.addAll(batch.getSampleIndicesList());
        }

        List<Long> samples() {
            return samples;
        }

        int sequencesOf(long taskId) {
            return sequences.getOrDefault(taskId, 0);
        }

        /** Records (duplicates included) a worker produced, by task. */
        Map<Long, Integer> recordsBy(String workerId) {
            return byWorker.getOrDefault(workerId, Map.of());
        }

        long duplicates() {
            return duplicates;
        }
    }

    /** The trainer's key: {@code <run-id>/<task-id>} (KafkaTaskSink), so tasks spread over partitions as in a run. */
    private static byte[] trainerKey(AugmentTask task) {
        return (task.getRunId() + "/" + task.getTaskId()).getBytes(StandardCharsets.UTF_8);
    }

    /** Starts {@code n} worker processes in this test's group and waits until each holds partitions. */
    private List<JavaProcess> startWorkers(int n) {
        List<JavaProcess> started = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = KafkaTestSupport.unique("proc-worker");
            JavaProcess process = JavaProcess.builder(id)
                    .mainClass(WorkerMain.class.getName())
                    .classpath(testClasspath())
                    .jvmArgs("-Xmx256m")
                    .systemProperty(
                            "kafka.bootstrap.servers", LocalStack.shared().kafkaBootstrapServers())
                    .systemProperty("twinview.augment.tasks-topic", tasksTopic)
                    .systemProperty("twinview.augment.tasks-partitions", String.valueOf(TASKS_PARTITIONS))
                    .systemProperty("twinview.augment.group-id", group)
                    .systemProperty("twinview.augment.worker-id", id)
                    .systemProperty("twinview.augment.threads", "1")
                    .systemProperty("twinview.augment.session-timeout", SESSION_TIMEOUT.toSeconds() + "s")
                    .logFile(Path.of("target", "worker-processes", id + ".log"))
                    .shutdownGrace(Duration.ofSeconds(10))
                    .start();
            workers.add(process);
            started.add(process);
        }
        kafka.awaitGroup(group, n, TASKS_PARTITIONS, TIMEOUT);
        for (JavaProcess p : started) {
            assertTrue(p.isAlive(), p + " runs:\n" + p.logTail(30));
        }
        return started;
    }

    private KafkaConsumer<byte[], byte[]> viewsConsumer(String topic) {
        KafkaConsumer<byte[], byte[]> consumer =
                KafkaClients.of(LocalStack.shared().kafkaBootstrapServers()).viewsConsumer("test-views-reader");
        Topics.assignAllFromBeginning(consumer, topic, Duration.ofSeconds(30));
        return consumer;
    }

    /** The classpath surefire gives this JVM (it sets java.class.path to the real one, not its booter jar). */
    private static List<Path> testClasspath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.isBlank())
                .map(Path::of)
                .toList();
    }
}
