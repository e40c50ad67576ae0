package io.twinview.augment.kafka;

import io.twinview.stack.JavaProcess;
import io.twinview.stack.LocalStack;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Real worker processes ({@link WorkerMain} in child JVMs on this test's classpath), all in one
 * consumer group of one tasks topic on the shared broker. Every process started is stopped by
 * {@link #close()} (SIGTERM, then SIGKILL after 10 s).
 */
final class WorkerProcesses implements AutoCloseable {

    private final String tasksTopic;
    private final int partitions;
    private final String group;
    private final Duration sessionTimeout;
    private final List<JavaProcess> started = new ArrayList<>();

    /**
     * @param sessionTimeout the workers' {@code twinview.augment.session-timeout}: how long the group
     *                       waits for a worker that went silent without leaving
     */
    WorkerProcesses(String tasksTopic, int partitions, String group, Duration sessionTimeout) {
        this.tasksTopic = tasksTopic;
        this.partitions = partitions;
        this.group = group;
        this.sessionTimeout = sessionTimeout;
    }

    String group() {
        return group;
    }

    /** Starts one worker process and returns at once (it joins the group a few seconds later). */
    JavaProcess start() {
        String id = KafkaTestSupport.unique("proc-worker");
        JavaProcess process = JavaProcess.builder(id)
                .mainClass(WorkerMain.class.getName())
                .classpath(testClasspath())
                .jvmArgs("-Xmx256m")
                .systemProperty("kafka.bootstrap.servers", LocalStack.shared().kafkaBootstrapServers())
                .systemProperty("twinview.augment.tasks-topic", tasksTopic)
                .systemProperty("twinview.augment.tasks-partitions", String.valueOf(partitions))
                .systemProperty("twinview.augment.group-id", group)
                .systemProperty("twinview.augment.worker-id", id)
                .systemProperty("twinview.augment.threads", "1")
                .systemProperty("twinview.augment.session-timeout", sessionTimeout.toSeconds() + "s")
                .logFile(Path.of("target", "worker-processes", id + ".log"))
                .shutdownGrace(Duration.ofSeconds(10))
                .start();
        synchronized (started) {
            started.add(process);
        }
        return process;
    }

    /** Starts {@code n} workers and waits until the group has exactly them, each holding partitions. */
    List<JavaProcess> start(int n, KafkaTestSupport kafka, Duration timeout) {
        List<JavaProcess> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            batch.add(start());
        }
        kafka.awaitGroup(group, n, partitions, timeout);
        for (JavaProcess p : batch) {
            if (!p.isAlive()) {
                throw new AssertionError(p + " died while joining:\n" + p.logTail(30));
            }
        }
        return batch;
    }

    /** Every process started, alive or not, in start order. */
    List<JavaProcess> all() {
        synchronized (started) {
            return List.copyOf(started);
        }
    }

    List<JavaProcess> alive() {
        return all().stream().filter(JavaProcess::isAlive).toList();
    }

    @Override
    public void close() {
        all().forEach(p -> p.stop(Duration.ofSeconds(10)));
    }

    /** The classpath surefire gives this JVM (it sets java.class.path to the real one, not its booter jar). */
    static List<Path> testClasspath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.isBlank())
                .map(Path::of)
                .toList();
    }
}
