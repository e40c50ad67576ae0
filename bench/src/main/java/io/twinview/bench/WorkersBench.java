package io.twinview.bench;

import io.twinview.augment.kafka.WorkerMain;
import io.twinview.core.augment.AugmentRecipes;
import io.twinview.core.data.Datasets;
import io.twinview.core.kafka.KafkaClients;
import io.twinview.core.kafka.Topics;
import io.twinview.proto.AugmentSchema;
import io.twinview.proto.v1.AugmentRecipe;
import io.twinview.proto.v1.AugmentTask;
import io.twinview.proto.v1.ViewBatch;
import io.twinview.stack.JavaProcess;
import io.twinview.stack.LocalStack;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Scale-out of augment workers: a real broker, then the same task load done by 1 worker process,
 * then by 2 (up to {@code --max-workers}), each time from a fresh consumer group. Throughput is
 * views delivered to the views topic per second, from the first task published to the last record
 * read (two views per sample); shares are each worker's fraction of the tasks (ViewBatch.worker_id).
 *
 * <p>Scale-out efficiency per core: {@code (v_n / v_1) / (cores(n) / cores(1))}, where
 * {@code cores(k) = min(k * threads, availableProcessors)}, the cores k workers can use. With one
 * core per worker on a machine with at least two cores this is {@code v_2 / (2 v_1)}; on a one-core
 * machine a second worker cannot add a core and the ideal speed-up is 1. The broker and this
 * process's consumer share the same cores, so small machines read low.
 */
@Command(
        name = "workers",
        mixinStandardHelpOptions = true,
        description = "Augment-worker scale-out: views/s with 1 then 2 worker processes, shares, efficiency per core.")
final class WorkersBench implements Callable<Integer> {

    private static final int TASKS_PARTITIONS = Topics.DEFAULT_TASKS_PARTITIONS;
    private static final Duration TIMEOUT = Duration.ofMinutes(10);

    @Option(
            names = "--dataset",
            description = "images to augment (default: the CIFAR-10 subset in ../shared when present, else synthetic:)")
    String dataset;

    @Option(
            names = "--recipe",
            defaultValue = "simclr",
            description = "augmentation recipe (default: ${DEFAULT-VALUE})")
    String recipe;

    @Option(
            names = "--tasks",
            defaultValue = "256",
            description =
                    "tasks in the measured load; enough that the key hashing spreads them evenly over the partitions (default: ${DEFAULT-VALUE})")
    int tasks;

    @Option(
            names = "--samples-per-task",
            defaultValue = "128",
            description = "samples per task (default: ${DEFAULT-VALUE})")
    int samplesPerTask;

    @Option(
            names = "--image-size",
            defaultValue = "32",
            description = "view side in pixels (default: ${DEFAULT-VALUE})")
    int imageSize;

    @Option(
            names = "--threads",
            defaultValue = "1",
            description = "augmentation threads per worker (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(
            names = "--max-workers",
            defaultValue = "2",
            description = "measure 1..N worker processes (default: ${DEFAULT-VALUE})")
    int maxWorkers;

    @Option(names = "--json", description = "end with one JSON line holding every figure")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (tasks < 1 || samplesPerTask < 1 || threads < 1 || maxWorkers < 1 || maxWorkers > TASKS_PARTITIONS) {
            throw new IllegalArgumentException(
                    "--tasks, --samples-per-task and --threads must be at least 1 and --max-workers 1.."
                            + TASKS_PARTITIONS + " (the tasks topic's partitions), were " + tasks + ", "
                            + samplesPerTask + ", "
                            + threads + ", " + maxWorkers);
        }
        String uri = dataset != null ? dataset : TrainerBench.defaultDataset();
        int size = Datasets.open(uri).size();
        AugmentRecipe resolved = AugmentRecipes.resolve(
                AugmentRecipe.newBuilder().setName(recipe).build(), imageSize);
        int cores = Runtime.getRuntime().availableProcessors();
        Path work = Files.createTempDirectory("twinview-bench-workers");
        System.out.printf(
                "workers bench: %d tasks x %d samples of %s, recipe %s, %d px views, %d thread(s) per worker,"
                        + " %d cores%n",
                tasks, samplesPerTask, uri, resolved.getName(), imageSize, threads, cores);
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("cores", cores);
        figures.put("threads_per_worker", threads);
        figures.put("tasks", tasks);
        figures.put("samples_per_task", samplesPerTask);
        Map<Integer, Double> viewsPerSecond = new TreeMap<>();
        try (LocalStack stack = LocalStack.start(LocalStack.Options.in(work));
                Admin admin = KafkaClients.of(stack.kafkaBootstrapServers()).admin();
                KafkaProducer<byte[], byte[]> producer =
                        KafkaClients.of(stack.kafkaBootstrapServers()).producer("bench-trainer")) {
            System.out.printf(
                    "  Kafka %s ready in %d ms%n",
                    stack.kafkaBootstrapServers(), stack.kafkaStartup().toMillis());
            Load load =
                    new Load(stack.kafkaBootstrapServers(), admin, producer, uri, size, resolved, work.resolve("logs"));
            for (int n = 1; n <= maxWorkers; n++) {
                Result result = load.measure(n);
                viewsPerSecond.put(n, result.viewsPerSecond());
                String shares = result.taskShares().values().stream()
                        .map(s -> String.format(Locale.ROOT, "%.0f%%", 100 * s))
                        .collect(Collectors.joining(" / "));
                System.out.printf(
                        "  %d worker(s): %8.1f views/s  (%d views in %.2f s; task shares %s)%n",
                        n, result.viewsPerSecond(), result.views(), result.seconds(), shares);
                figures.put("workers_" + n + "_views_per_s", round(result.viewsPerSecond()));
                figures.put(
                        "workers_" + n + "_task_shares",
                        result.taskShares().values().stream()
                                .map(s -> String.valueOf(round(s)))
                                .collect(Collectors.joining(",", "[", "]")));
            }
        } finally {
            TempDirs.deleteQuietly(work);
        }
        if (maxWorkers >= 2) {
            double v1 = viewsPerSecond.get(1);
            double v2 = viewsPerSecond.get(2);
            double idealSpeedup = coresUsed(2, cores) / (double) coresUsed(1, cores);
            double efficiency = (v2 / v1) / idealSpeedup;
            System.out.printf(
                    "  scale-out 1 -> 2 workers: x%.2f; efficiency per core used %.2f (ideal speed-up x%.1f:"
                            + " %d -> %d of %d cores); v2 / (2 v1) = %.2f%n",
                    v2 / v1, efficiency, idealSpeedup, coresUsed(1, cores), coresUsed(2, cores), cores, v2 / (2 * v1));
            figures.put("speedup_1_to_2", round(v2 / v1));
            figures.put("ideal_speedup_1_to_2", round(idealSpeedup));
            figures.put("scale_out_efficiency_per_core", round(efficiency));
            figures.put("v2_over_2v1", round(v2 / (2 * v1)));
        }
        if (json) {
            System.out.println(figures.entrySet().stream()
                    .map(e -> "\"" + e.getKey() + "\":" + e.getValue())
                    .collect(Collectors.joining(",", "{", "}")));
        }
        return 0;
    }

    /** Cores {@code workers} workers of {@code threads} threads can keep busy on this machine. */
    private int coresUsed(int workers, int cores) {
        return Math.max(1, Math.min(workers * threads, cores));
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }

    /** Views and seconds of one measured load, and each worker's share of its tasks (by worker id). */
    private record Result(long views, double seconds, Map<String, Double> taskShares) {
        double viewsPerSecond() {
            return views / seconds;
        }
    }

    /** The same task load, published to a fresh tasks topic and group for each worker count. */
    private final class Load {
        private final String bootstrap;
        private final Admin admin;
        private final KafkaProducer<byte[], byte[]> producer;
        private final String uri;
        private final int datasetSize;
        private final AugmentRecipe recipe;
        private final Path logs;

        Load(
                String bootstrap,
                Admin admin,
                KafkaProducer<byte[], byte[]> producer,
                String uri,
                int datasetSize,
                AugmentRecipe recipe,
                Path logs) {
            this.bootstrap = bootstrap;
            this.admin = admin;
            this.producer = producer;
            this.uri = uri;
            this.datasetSize = datasetSize;
            this.recipe = recipe;
            this.logs = logs;
        }

        Result measure(int workers) throws Exception {
            String tasksTopic = "bench.tasks." + workers;
            String group = "bench-workers-" + workers;
            Topics.ensure(admin, Topics.tasksTopic(tasksTopic, TASKS_PARTITIONS));
            List<JavaProcess> processes = new ArrayList<>();
            try {
                for (int i = 1; i <= workers; i++) {
                    processes.add(startWorker("bench-worker-" + workers + "-" + i, tasksTopic, group));
                }
                awaitGroup(group, workers, processes);
                // warm-up: every worker's JIT and dataset cache, not measured (two tasks per worker's share of
                // partitions)
                run(tasksTopic, "bench-warmup-" + workers, Math.max(4, 4 * workers), processes);
                return run(tasksTopic, "bench-load-" + workers, tasks, processes);
            } finally {
                processes.forEach(p -> p.stop(Duration.ofSeconds(10)));
            }
        }

        private Result run(String tasksTopic, String runId, int taskCount, List<JavaProcess> processes)
                throws Exception {
            String viewsTopic = Topics.viewsTopic(runId);
            Topics.ensure(admin, Topics.viewsTopic(runId, 4, Duration.ofHours(1).toMillis(), 1L << 30));
            int perRecord = Math.min(samplesPerTask, Topics.maxSamplesPerViewBatch(imageSize));
            int recordsPerTask = (samplesPerTask + perRecord - 1) / perRecord;
            long expectedRecords = (long) taskCount * recordsPerTask;
            try (KafkaConsumer<byte[], byte[]> consumer = viewsConsumer(viewsTopic)) {
                long start = System.nanoTime();
                List<Future<RecordMetadata>> sends = new ArrayList<>();
                for (int t = 0; t < taskCount; t++) {
                    AugmentTask task = task(runId, t, viewsTopic, perRecord);
                    byte[] key = (runId + "/" + t).getBytes(StandardCharsets.UTF_8); // as the trainer keys them
                    sends.add(producer.send(new ProducerRecord<>(tasksTopic, key, task.toByteArray())));
                }
                producer.flush();
                for (Future<RecordMetadata> send : sends) {
                    send.get(60, TimeUnit.SECONDS);
                }
                long records = 0;
                long views = 0;
                Map<String, Map<Long, Boolean>> tasksByWorker = new TreeMap<>();
                long deadline = start + TIMEOUT.toNanos();
                while (records < expectedRecords) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("only " + records + " of " + expectedRecords
                                + " ViewBatches arrived in " + TIMEOUT.toMinutes() + " min; worker logs under " + logs);
                    }
                    for (JavaProcess p : processes) {
                        if (!p.isAlive()) {
                            throw new IllegalStateException(p + " died:\n" + p.logTail(30));
                        }
                    }
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                        ViewBatch batch = ViewBatch.parseFrom(record.value());
                        records++;
                        views += 2L * batch.getSampleIndicesCount();
                        tasksByWorker
                                .computeIfAbsent(batch.getWorkerId(), w -> new HashMap<>())
                                .put(batch.getTaskId(), true);
                    }
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                Map<String, Double> shares = new LinkedHashMap<>();
                for (JavaProcess p : processes) {
                    shares.put(
                            p.name(),
                            tasksByWorker.getOrDefault(p.name(), Map.of()).size() / (double) taskCount);
                }
                return new Result(views, seconds, shares);
            }
        }

        private AugmentTask task(String runId, int t, String viewsTopic, int perRecord) {
            AugmentTask.Builder task = AugmentTask.newBuilder()
                    .setSchemaVersion(AugmentSchema.VERSION)
                    .setRunId(runId)
                    .setEpoch(0)
                    .setTaskId(t)
                    .setDatasetUri(uri)
                    .setImageSize(imageSize)
                    .setRecipe(recipe)
                    .setSeed(7)
                    .setViewsTopic(viewsTopic)
                    .setMaxSamplesPerBatch(perRecord);
            for (int i = 0; i < samplesPerTask; i++) {
                task.addSampleIndices(((long) t * samplesPerTask + i) % datasetSize);
            }
            return task.build();
        }

        private JavaProcess startWorker(String id, String tasksTopic, String group) {
            return JavaProcess.builder(id)
                    .mainClass(WorkerMain.class.getName())
                    .classpath(ownClasspath())
                    .jvmArgs("-Xmx512m")
                    .systemProperty("kafka.bootstrap.servers", bootstrap)
                    .systemProperty("twinview.augment.tasks-topic", tasksTopic)
                    .systemProperty("twinview.augment.tasks-partitions", String.valueOf(TASKS_PARTITIONS))
                    .systemProperty("twinview.augment.group-id", group)
                    .systemProperty("twinview.augment.worker-id", id)
                    .systemProperty("twinview.augment.threads", String.valueOf(threads))
                    .logFile(logs.resolve(id + ".log"))
                    .start();
        }

        /** Until the group has {@code n} members holding all partitions between them. */
        private void awaitGroup(String group, int n, List<JavaProcess> processes) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (true) {
                for (JavaProcess p : processes) {
                    if (!p.isAlive()) {
                        throw new IllegalStateException(p + " died at startup:\n" + p.logTail(30));
                    }
                }
                try {
                    Collection<MemberDescription> members = admin.describeConsumerGroups(List.of(group))
                            .all()
                            .get(30, TimeUnit.SECONDS)
                            .get(group)
                            .members();
                    if (members.size() == n
                            && members.stream()
                                            .mapToInt(m -> m.assignment()
                                                    .topicPartitions()
                                                    .size())
                                            .sum()
                                    == TASKS_PARTITIONS
                            && members.stream()
                                    .noneMatch(m ->
                                            m.assignment().topicPartitions().isEmpty())) {
                        return;
                    }
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                        throw new IllegalStateException("cannot describe group " + group + ": " + e.getCause(), e);
                    }
                } catch (TimeoutException e) {
                    throw new IllegalStateException("the broker did not describe group " + group + " within 30 s", e);
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            n + " workers did not join group " + group + " within 2 min; logs under " + logs);
                }
                Thread.sleep(200);
            }
        }

        private KafkaConsumer<byte[], byte[]> viewsConsumer(String topic) {
            KafkaConsumer<byte[], byte[]> consumer = KafkaClients.of(bootstrap).viewsConsumer("bench-trainer-" + topic);
            Topics.assignAllFromBeginning(consumer, topic, Duration.ofSeconds(30));
            return consumer;
        }
    }

    /** This JVM's classpath: the bench jar (its manifest names lib/*) or, from an IDE, every entry. */
    private static List<Path> ownClasspath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.isBlank())
                .map(Path::of)
                .toList();
    }
}
