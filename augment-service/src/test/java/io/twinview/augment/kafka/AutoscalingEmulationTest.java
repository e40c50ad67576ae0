package io.twinview.augment.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.twinview.augment.scaling.HpaEmulator;
import io.twinview.augment.scaling.KedaKafkaLag;
import io.twinview.augment.scaling.KedaScaledObject;
import io.twinview.core.kafka.KafkaClients;
import io.twinview.core.kafka.Topics;
import io.twinview.proto.v1.AugmentTask;
import io.twinview.stack.JavaProcess;
import io.twinview.stack.LocalStack;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * KEDA and the HPA, emulated on the real thing: the ScaledObject of the rendered platform overlay
 * ({@code kubectl kustomize k8s/overlays/platform}), KEDA's kafka lag read from the real consumer
 * group on the test broker ({@link KedaKafkaLag}), the HPA's rules ({@link HpaEmulator}), and real
 * worker processes started and stopped (SIGTERM) to match every decision. Only time is scaled down:
 * the HPA's 15 s sync becomes a {@link #TICK}, the policy periods likewise, the scale-down window
 * {@link #SCALE_DOWN_WINDOW}; and the tasks topic has {@link #PARTITIONS} partitions, the replica
 * ceiling, with maxReplicaCount lowered to it. Each override is printed.
 */
class AutoscalingEmulationTest {

    private static final int PARTITIONS = 6;
    /** The HPA controller's sync period (15 s in Kubernetes), compressed. */
    private static final Duration TICK = Duration.ofSeconds(2);

    private static final Duration HPA_SYNC = Duration.ofSeconds(15);
    private static final Duration SCALE_DOWN_WINDOW = Duration.ofSeconds(10);
    /** 48 tasks of 64 synthetic 512 px samples (about a second each), 8 per partition. */
    private static final int TASKS = 48;
    /**
     * The lag grows in waves: each puts 8 tasks on each of two more partitions, every {@link #WAVE_EVERY}
     * ticks, so that the partitions with lag, KEDA's cap, go 2, 4, 6.
     */
    private static final int WAVES = 3;

    private static final int WAVE_EVERY = 2;

    private static final int PER_TASK = 64;
    private static final int PER_RECORD = 8;
    private static final Duration DEADLINE = Duration.ofSeconds(240);

    private KafkaTestSupport kafka;
    private WorkerProcesses workers;
    private String tasksTopic;
    private String group;

    @BeforeEach
    void setUp() {
        kafka = new KafkaTestSupport(LocalStack.shared().kafkaBootstrapServers());
        tasksTopic = KafkaTestSupport.unique("scale.tasks");
        group = KafkaTestSupport.unique("scale-group");
        Topics.ensure(kafka.admin(), Topics.tasksTopic(tasksTopic, PARTITIONS));
        workers = new WorkerProcesses(tasksTopic, PARTITIONS, group, Duration.ofSeconds(10));
    }

    @AfterEach
    void tearDown() {
        workers.close();
        kafka.close();
    }

    /** One HPA sync: what KEDA read, what the HPA decided, and what ran. */
    record Row(
            double seconds,
            long totalLag,
            int partitionsWithLag,
            long metric,
            int metricReplicas,
            int desired,
            int replicas,
            int members,
            String reason) {}

    @Test
    void workersScaleOutWithTheLagAndBackInAfterTheWindowLosingNoTask() throws Exception {
        Path repo = Path.of("").toAbsolutePath().getParent();
        assumeTrue(
                Files.isDirectory(repo.resolve("k8s/overlays/platform")),
                "no k8s/overlays/platform in " + repo + ": nothing to emulate");
        KedaScaledObject.Rendered rendered = KedaScaledObject.render(repo.resolve("k8s/overlays/platform"));
        assumeTrue(rendered.scaledObject().isPresent(), rendered.detail());
        KedaScaledObject manifest = rendered.scaledObject().get();
        KedaScaledObject scaled = testScale(manifest);
        KedaKafkaLag.Settings lagSettings = scaled.lagSettings();
        HpaEmulator hpa = new HpaEmulator(scaled.hpaSpec());
        int min = hpa.spec().minReplicas();
        int max = hpa.spec().maxReplicas();

        String runId = KafkaTestSupport.unique("scale");
        String viewsTopic = kafka.createViewsTopic(runId);
        List<JavaProcess> replicas = new ArrayList<>(workers.start(min, kafka, Duration.ofSeconds(60)));
        Set<String> stopped = new HashSet<>();
        Map<Long, AugmentTask> tasks = new TreeMap<>();
        double[] waveAt = new double[WAVES];
        int recordsPerTask = PER_TASK / PER_RECORD;

        List<Row> timeline = new ArrayList<>();
        ViewDedup dedup = new ViewDedup();
        long start = System.nanoTime();
        Instant clock = Instant.now();
        boolean scaledIn = false;
        try (KafkaConsumer<byte[], byte[]> views =
                KafkaClients.of(LocalStack.shared().kafkaBootstrapServers()).viewsConsumer("test-views-reader")) {
            Topics.assignAllFromBeginning(views, viewsTopic, Duration.ofSeconds(30));
            for (int tick = 0; !(scaledIn && tasks.size() == TASKS && complete(dedup, tasks, recordsPerTask)); tick++) {
                if (tick % WAVE_EVERY == 0 && tick / WAVE_EVERY < WAVES) {
                    int wave = tick / WAVE_EVERY;
                    tasks.putAll(publishWave(runId, wave));
                    waveAt[wave] = (System.nanoTime() - start) / 1e9;
                }
                assertTrue(
                        System.nanoTime() - start < DEADLINE.toNanos(),
                        "the emulation finished within " + DEADLINE.toSeconds() + " s:\n" + table(timeline));
                long tickEnd = System.nanoTime() + TICK.toNanos();
                while (System.nanoTime() < tickEnd) {
                    views.poll(Duration.ofMillis(200)).forEach(r -> dedup.accept(KafkaTestSupport.parse(r)));
                }
                clock = Instant.now();
                KedaKafkaLag.Metric metric = KedaKafkaLag.metric(lagSettings, offsets());
                int current = replicas.size();
                HpaEmulator.Decision decision = hpa.reconcile(clock, current, metric.value());
                while (replicas.size() < decision.desired()) {
                    replicas.add(workers.start());
                }
                while (replicas.size() > decision.desired()) {
                    JavaProcess newest = replicas.remove(replicas.size() - 1); // a ReplicaSet deletes the youngest
                    newest.terminate();
                    stopped.add(newest.name());
                }
                timeline.add(new Row(
                        (System.nanoTime() - start) / 1e9,
                        metric.totalLag(),
                        metric.partitionsWithLag(),
                        metric.value(),
                        decision.metricReplicas(),
                        decision.desired(),
                        replicas.size(),
                        members(),
                        decision.reason()));
                int peak = timeline.stream().mapToInt(Row::replicas).max().orElse(0);
                scaledIn = tasks.size() == TASKS && peak > min && replicas.size() == min && metric.totalLag() == 0;
            }
        }

        String table = table(timeline);
        System.out.println("autoscaling emulation (" + manifest.name() + " from k8s/overlays/platform):\n" + table);
        System.out.printf(
                "autoscaling emulation: waves of 16 tasks (two more partitions each) at %s s%n",
                java.util.Arrays.toString(waveAt));
        int peak = timeline.stream().mapToInt(Row::replicas).max().orElseThrow();
        for (int wave = 1; wave < WAVES; wave++) {
            double next = waveAt[wave];
            int cap = 2 * wave; // partitions with lag before the next wave: KEDA's limitToPartitionsWithLag
            assertTrue(
                    timeline.stream().filter(r -> r.seconds() < next).allMatch(r -> r.desired() <= cap),
                    "before wave " + (wave + 1) + " (" + next + " s) no more than " + cap + " replicas:\n" + table);
        }
        assertTrue(
                peak > 2,
                "the workers scaled out past the first wave's two partitions as the lag grew (peak " + peak
                        + " replicas):\n" + table);
        assertTrue(
                timeline.stream().allMatch(r -> r.desired() <= PARTITIONS && r.desired() <= max),
                "never more replicas than partitions (" + PARTITIONS + ") or maxReplicaCount (" + max + "):\n" + table);
        assertScaledInOnlyAfterTheWindow(timeline, min, scaled.scaleDown().stabilizationWindow(), table);

        for (Map.Entry<Long, AugmentTask> task : tasks.entrySet()) {
            assertEquals(
                    recordsPerTask,
                    dedup.sequencesOf(task.getKey()),
                    "task " + task.getKey() + " arrived whole across the rebalances");
        }
        List<String> redone = new ArrayList<>();
        for (long taskId : tasks.keySet()) {
            Set<String> by = dedup.workersOf(taskId);
            int records = by.stream()
                    .mapToInt(w -> dedup.recordsBy(w).getOrDefault(taskId, 0))
                    .sum();
            if (records > recordsPerTask) {
                redone.add(taskId + " by " + by);
                assertTrue(
                        by.stream().anyMatch(stopped::contains),
                        "task " + taskId + " was made more than once (" + records + " records by " + by
                                + "): only a task abandoned by a stopped worker may be redone; stopped " + stopped);
            }
        }
        KafkaTestSupport.await(
                "the group committed every task",
                Duration.ofSeconds(30),
                () -> offsets().stream().allMatch(p -> p.committed() == p.latest()));
        System.out.printf(
                "autoscaling emulation: peak %d replicas, %d workers stopped, %d of %d tasks redone after a stop %s,"
                        + " %d duplicate records dropped%n",
                peak, stopped.size(), redone.size(), tasks.size(), redone, dedup.duplicates());
    }

    /** What must be scaled down for a test, each printed: partitions, time. */
    private KedaScaledObject testScale(KedaScaledObject manifest) {
        double factor = TICK.toMillis() / (double) HPA_SYNC.toMillis();
        HpaEmulator.Rules up = manifest.scaleUp()
                .withWindow(scale(manifest.scaleUp().stabilizationWindow(), factor))
                .withPeriods(TICK);
        HpaEmulator.Rules down =
                manifest.scaleDown().withWindow(SCALE_DOWN_WINDOW).withPeriods(TICK);
        KedaScaledObject scaled = manifest.withMaxReplicaCount(Math.min(manifest.maxReplicaCount(), PARTITIONS))
                .withRules(up, down)
                .withTrigger("topic", tasksTopic)
                .withTrigger("consumerGroup", group)
                .withTrigger("bootstrapServers", LocalStack.shared().kafkaBootstrapServers());
        System.out.printf(
                "autoscaling emulation overrides: tasks topic %d partitions; maxReplicaCount %d -> %d;"
                        + " HPA sync 15 s -> %d s; scale-up window %d s -> %d s; scale-down window %d s -> %d s;"
                        + " policy periods %s -> %d s; trigger topic/consumerGroup/bootstrapServers -> the test's"
                        + " (%s, %s); kept: minReplicaCount %d, trigger %s%n",
                PARTITIONS,
                manifest.maxReplicaCount(),
                scaled.maxReplicaCount(),
                TICK.toSeconds(),
                manifest.scaleUp().stabilizationWindow().toSeconds(),
                up.stabilizationWindow().toSeconds(),
                manifest.scaleDown().stabilizationWindow().toSeconds(),
                down.stabilizationWindow().toSeconds(),
                manifest.scaleUp().policies().stream()
                        .map(p -> p.period().toSeconds() + " s")
                        .distinct()
                        .toList(),
                TICK.toSeconds(),
                tasksTopic,
                group,
                manifest.minReplicaCount(),
                manifest.trigger());
        return scaled;
    }

    private static Duration scale(Duration d, double factor) {
        return Duration.ofMillis(Math.round(d.toMillis() * factor));
    }

    /**
     * The first tick down to minReplicas after the peak comes no sooner than the stabilisation window
     * after the last tick whose own recommendation was above minReplicas.
     */
    private static void assertScaledInOnlyAfterTheWindow(List<Row> timeline, int min, Duration window, String table) {
        int peakAt = IntStream.range(0, timeline.size())
                .reduce((a, b) -> timeline.get(b).replicas() > timeline.get(a).replicas() ? b : a)
                .orElseThrow();
        int inAt = IntStream.range(peakAt, timeline.size())
                .filter(i -> timeline.get(i).replicas() == min)
                .findFirst()
                .orElseThrow(() -> new AssertionError("the workers scaled back in to " + min + ":\n" + table));
        int lastHigh = IntStream.range(0, inAt)
                .filter(i -> timeline.get(i).metricReplicas() > min)
                .max()
                .orElseThrow();
        double waited = timeline.get(inAt).seconds() - timeline.get(lastHigh).seconds();
        assertTrue(
                waited >= window.toMillis() / 1000.0 - 0.5,
                "scale-in came " + waited + " s after the last recommendation above " + min + ": at least the "
                        + window.toSeconds() + " s scale-down window:\n" + table);
        assertTrue(
                timeline.subList(lastHigh, inAt).stream()
                        .anyMatch(r -> r.reason().equals("ScaleDownStabilized")),
                "the window held the replicas up meanwhile:\n" + table);
    }

    private static boolean complete(ViewDedup dedup, Map<Long, AugmentTask> tasks, int recordsPerTask) {
        return tasks.keySet().stream().allMatch(id -> dedup.sequencesOf(id) == recordsPerTask);
    }

    /** Wave {@code wave}: 8 tasks to each of partitions 2 wave and 2 wave + 1, keyed as the trainer keys them. */
    private Map<Long, AugmentTask> publishWave(String runId, int wave) {
        Map<Long, AugmentTask> tasks = new TreeMap<>();
        String dataset = "synthetic:?n=" + TASKS * PER_TASK + "&size=512";
        int perWave = TASKS / WAVES;
        for (int t = wave * perWave; t < (wave + 1) * perWave; t++) {
            AugmentTask task = KafkaTestSupport.task(
                            runId,
                            t,
                            dataset,
                            LongStream.range((long) t * PER_TASK, (long) (t + 1) * PER_TASK)
                                    .toArray(),
                            PER_RECORD)
                    .setEpoch(0)
                    .build();
            tasks.put(task.getTaskId(), task);
            byte[] key = (task.getRunId() + "/" + task.getTaskId()).getBytes(StandardCharsets.UTF_8);
            kafka.publish(tasksTopic, 2 * wave + t % 2, key, task.toByteArray());
        }
        return tasks;
    }

    /** What KEDA reads: each partition's latest offset and the group's committed offset. */
    private List<KedaKafkaLag.PartitionOffsets> offsets() {
        try {
            List<TopicPartition> partitions = IntStream.range(0, PARTITIONS)
                    .mapToObj(p -> new TopicPartition(tasksTopic, p))
                    .toList();
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> latest = kafka.admin()
                    .listOffsets(partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest())))
                    .all()
                    .get(30, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetAndMetadata> committed = kafka.admin()
                    .listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS);
            return partitions.stream()
                    .map(p -> new KedaKafkaLag.PartitionOffsets(
                            p.partition(),
                            latest.get(p).offset(),
                            committed.get(p) == null
                                    ? KedaKafkaLag.NO_OFFSET
                                    : committed.get(p).offset()))
                    .toList();
        } catch (Exception e) {
            throw new AssertionError("the test could not read the offsets of " + tasksTopic + ": " + e, e);
        }
    }

    /** Members of the group now, as the broker sees them. */
    private int members() {
        try {
            ConsumerGroupDescription d = kafka.admin()
                    .describeConsumerGroups(List.of(group))
                    .all()
                    .get(30, TimeUnit.SECONDS)
                    .get(group);
            return d.members().size();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return 0;
            }
            throw new AssertionError("the test could not describe group " + group + ": " + e, e);
        } catch (Exception e) {
            throw new AssertionError("the test could not describe group " + group + ": " + e, e);
        }
    }

    private static String table(List<Row> timeline) {
        StringBuilder out = new StringBuilder(String.format(
                "%7s %9s %10s %7s %8s %8s %9s %8s  %s%n",
                "t (s)", "total lag", "parts lag", "metric", "by lag", "desired", "replicas", "members", "HPA"));
        for (Row r : timeline) {
            out.append(String.format(
                    "%7.1f %9d %10d %7d %8d %8d %9d %8d  %s%n",
                    r.seconds(),
                    r.totalLag(),
                    r.partitionsWithLag(),
                    r.metric(),
                    r.metricReplicas(),
                    r.desired(),
                    r.replicas(),
                    r.members(),
                    r.reason()));
        }
        return out.toString();
    }
}
