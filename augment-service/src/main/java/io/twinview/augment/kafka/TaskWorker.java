package io.twinview.augment.kafka;

import com.google.protobuf.InvalidProtocolBufferException;
import io.twinview.augment.BatchAugmenter;
import io.twinview.core.data.Datasets;
import io.twinview.core.data.ImageDataset;
import io.twinview.core.kafka.KafkaErrors;
import io.twinview.core.kafka.Topics;
import io.twinview.core.retry.Backoff;
import io.twinview.core.retry.Waits;
import io.twinview.proto.v1.AugmentTask;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * An augment worker: takes AugmentTasks one at a time from the shared tasks topic (one consumer
 * group for all workers), produces each task's ViewBatches to the task's views topic, and commits
 * the task's offset only once every ViewBatch is acknowledged.
 *
 * <ul>
 *   <li>A record that cannot be worked on (does not parse, unusable fields, unreadable dataset,
 *       an s3:// dataset on a worker without object storage, missing views topic) is logged with its topic, partition, offset and reason, counted in
 *       {@link WorkerStats}, committed and skipped.</li>
 *   <li>A sample whose image cannot be read is rejected, not the task: it goes to the dead-letter
 *       topic and the task's ViewBatches list it (see {@link TaskProcessor}).</li>
 *   <li>A task whose views do not all reach the broker is not committed: the consumer seeks back
 *       to it and reads it again after {@link WorkerSettings#retryBackoff()}, with a new producer.</li>
 *   <li>A worker that dies or stops mid-task leaves the task uncommitted; after the rebalance
 *       another worker redoes it, and the trainer drops the duplicates of (task_id, sequence).</li>
 * </ul>
 * A broker outage is waited out, however long: the task in hand is read again with a capped exponential
 * backoff (from {@link WorkerSettings#retryBackoff()} up to {@link #MAX_RETRY_DELAY}), a finished task's
 * commit is tried again while its partition is still this worker's, and the consumer rejoins the group
 * when the broker is back (a task whose partition moved meanwhile is redone by its new owner). While it
 * waits, {@link #waits()} says {@link Waits#BROKER}.
 *
 * <p>One thread runs the poll loop; {@link WorkerSettings#threads()} threads augment (none extra
 * for one). {@link #close()} wakes the consumer and joins the loop.
 */
public final class TaskWorker implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TaskWorker.class);
    private static final Duration POLL_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration SUMMARY_EVERY = Duration.ofSeconds(60);
    /**
     * How long {@link #close()} lets the task in hand finish (or be abandoned at its next record)
     * before interrupting it: within Kubernetes' default 30 s termination grace, with room to leave
     * the group.
     */
    private static final Duration STOP_GRACE = Duration.ofSeconds(20);

    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    /** How long a finished task's commit waits for a rebalance in progress to complete. */
    private static final Duration REBALANCE_WAIT = Duration.ofSeconds(30);
    /** The longest wait between two tries of a task or a commit while the broker is away. */
    static final Duration MAX_RETRY_DELAY = Duration.ofSeconds(10);
    /**
     * How long a finished task's commit is tried again while the broker is away: by then the group has
     * moved the partition (max.poll.interval.ms), and its new owner redoes the task.
     */
    private static final Duration COMMIT_WAIT = Duration.ofMinutes(5);

    private final WorkerSettings settings;
    private final Function<String, ImageDataset> datasets;
    private final WorkerStats stats = new WorkerStats();
    private final Waits waits = new Waits();
    private final Backoff backoff;
    /** Tries of the task in hand (or the poll) that failed in a row: the next delay's exponent. */
    private int failuresInARow;

    private final ExecutorService loopExecutor;
    private final ExecutorService augmentPool;
    private final CountDownLatch stopSignal = new CountDownLatch(1);
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Future<?> loop;
    private volatile boolean stopping;
    private volatile boolean subscribed;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile Admin admin;

    private TaskWorker(WorkerSettings settings, Function<String, ImageDataset> datasets) {
        this.settings = settings;
        this.datasets = datasets;
        Duration initial = settings.retryBackoff().isZero() ? Duration.ofMillis(1) : settings.retryBackoff();
        this.backoff =
                new Backoff(initial, initial.compareTo(MAX_RETRY_DELAY) > 0 ? initial : MAX_RETRY_DELAY, COMMIT_WAIT);
        // thread names carry the worker id, as the Kafka clients' ids do
        this.loopExecutor = Executors.newSingleThreadExecutor(named("augment-" + settings.workerId() + "-loop"));
        this.augmentPool = settings.threads() > 1
                ? Executors.newFixedThreadPool(settings.threads(), named("augment-" + settings.workerId() + "-pool"))
                : null;
        this.loop = loopExecutor.submit(this::run);
    }

    /**
     * Starts the poll loop on its own thread; the tasks and dead-letter topics are created there if
     * missing, and the tasks topic raised to {@link WorkerSettings#tasksPartitions()} partitions.
     * Datasets are opened with {@link WorkerSettings#storage()}: without it, a task whose dataset is
     * on object storage ({@code SCHEME:s3://...}) is skipped with a reason naming the missing setting.
     */
    public static TaskWorker start(WorkerSettings settings) {
        return new TaskWorker(settings, WorkerDatasets.opener(settings.storage(), settings.datasets()));
    }

    /** With datasets opened by {@code datasets} instead of {@link Datasets#open} (tests: unreadable samples). */
    static TaskWorker start(WorkerSettings settings, Function<String, ImageDataset> datasets) {
        return new TaskWorker(settings, datasets);
    }

    /** {@code <hostname>-<pid>}: HOSTNAME (a pod's name), else the resolved host name. */
    public static String defaultWorkerId() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                host = "localhost";
            }
        }
        return host + "-" + ProcessHandle.current().pid();
    }

    /** {@code augment-<worker id>-<role>}: the id of the worker's tasks consumer, views producer or admin client. */
    private static String clientId(WorkerSettings settings, String role) {
        return "augment-" + settings.workerId() + "-" + role;
    }

    public WorkerSettings settings() {
        return settings;
    }

    public WorkerStats stats() {
        return stats;
    }

    /** What the worker is waiting out right now ({@link Waits#BROKER}). */
    public Waits waits() {
        return waits;
    }

    /** The poll loop is running (it ends only on {@link #close()} or an Error). */
    public boolean alive() {
        return !loop.isDone();
    }

    /** The tasks topic exists and the consumer has subscribed to it. */
    public boolean subscribed() {
        return subscribed && alive();
    }

    /**
     * Stops the loop: the task in hand is finished if its views are all out, else abandoned
     * uncommitted, and the consumer leaves the group. Joins the loop (up to 20 s, then interrupts
     * it; the consumer still leaves the group) and the augmentation threads.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        stopping = true;
        stopSignal.countDown();
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        Admin a = admin;
        if (a != null && !subscribed) {
            a.close(Duration.ZERO); // cut short a topic creation waiting on an absent broker
        }
        loopExecutor.shutdown();
        try {
            loop.get(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warnf(
                    "worker %s: loop still busy after %d s, interrupting it",
                    settings.workerId(), STOP_GRACE.toSeconds());
            loopExecutor.shutdownNow();
            awaitTermination(loopExecutor, "loop");
        } catch (ExecutionException e) {
            LOG.debugf("worker %s: the loop had ended with %s (logged then)", settings.workerId(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            loopExecutor.shutdownNow();
        } finally {
            if (augmentPool != null) {
                augmentPool.shutdownNow();
                awaitTermination(augmentPool, "augmentation pool");
            }
        }
        LOG.infof("worker %s stopped: %s", settings.workerId(), stats.snapshot());
    }

    private void run() {
        LOG.infof(
                "worker %s: tasks from %s (group %s), %d augmentation thread(s), Kafka %s, %s",
                settings.workerId(),
                settings.tasksTopic(),
                settings.groupId(),
                settings.threads(),
                settings.kafka().bootstrapServers(),
                settings.storage() == null
                        ? "no object storage (s3:// datasets are skipped)"
                        : "s3:// datasets from " + settings.storage().endpoint());
        try (Admin a = settings.kafka().admin(clientId(settings, "admin"))) {
            admin = a;
            if (!ensureTasksTopic(a)) {
                return;
            }
            TaskProcessor processor = new TaskProcessor(
                    a,
                    new BatchAugmenter(augmentPool, settings.threads()),
                    settings.workerId(),
                    settings.deadLetterTopic(),
                    datasets,
                    settings.datasets());
            // the producer is closed after the consumer: leaving the group comes first, so a stopping
            // worker's partitions move at once while sends of an abandoned task drain
            try (ProducerSlot producer = new ProducerSlot(settings)) {
                KafkaConsumer<byte[], byte[]> c = settings.kafka()
                        .tasksConsumer(clientId(settings, "tasks"), settings.groupId(), settings.sessionTimeout());
                try {
                    consumer = c;
                    if (stopping) {
                        return;
                    }
                    c.subscribe(List.of(settings.tasksTopic()), new Rebalance());
                    subscribed = true;
                    poll(c, processor, producer);
                } finally {
                    subscribed = false;
                    leaveGroup(c);
                }
            }
        } catch (InterruptException e) {
            LOG.infof("worker %s: interrupted", settings.workerId());
        } catch (RuntimeException | Error e) { // e.g. a malformed bootstrap address: health turns DOWN
            LOG.errorf(
                    e,
                    "worker %s: the poll loop ended%s",
                    settings.workerId(),
                    settings.kafka().security(e).map(s -> ": " + s).orElse(""));
            throw e;
        } finally {
            subscribed = false;
        }
    }

    /**
     * Closes the consumer, which sends LeaveGroup: the group rebalances at once instead of after the
     * session timeout. An interrupt (the stop grace ran out) is set aside meanwhile, or the close
     * would give up before the request goes out.
     */
    private void leaveGroup(KafkaConsumer<byte[], byte[]> c) {
        boolean interrupted = Thread.interrupted();
        try {
            c.close(CLOSE_TIMEOUT);
            LOG.infof("worker %s: left group %s", settings.workerId(), settings.groupId());
        } catch (RuntimeException e) {
            LOG.warnf("worker %s: closing the tasks consumer: %s", settings.workerId(), e);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void poll(KafkaConsumer<byte[], byte[]> c, TaskProcessor processor, ProducerSlot producer) {
        long nextSummary = System.nanoTime() + SUMMARY_EVERY.toNanos();
        WorkerStats.Snapshot summarised = stats.snapshot();
        while (!stopping && !Thread.currentThread().isInterrupted()) {
            try {
                for (ConsumerRecord<byte[], byte[]> record : c.poll(POLL_TIMEOUT)) {
                    handle(c, record, processor, producer);
                }
            } catch (WakeupException e) {
                // close(): the loop condition ends it
            } catch (InterruptException e) {
                throw e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                Duration delay = nextDelay(e);
                LOG.errorf(
                        e,
                        "worker %s: poll loop error, going on in %d ms%s",
                        settings.workerId(),
                        delay.toMillis(),
                        settings.kafka().security(e).map(s -> ": " + s).orElse(""));
                pause(delay);
            }
            if (System.nanoTime() - nextSummary > 0) {
                WorkerStats.Snapshot now = stats.snapshot();
                if (!now.equals(summarised)) {
                    LOG.infof("worker %s: %s", settings.workerId(), now);
                    summarised = now;
                }
                nextSummary = System.nanoTime() + SUMMARY_EVERY.toNanos();
            }
        }
    }

    private void handle(
            KafkaConsumer<byte[], byte[]> c,
            ConsumerRecord<byte[], byte[]> record,
            TaskProcessor processor,
            ProducerSlot producer)
            throws InterruptedException {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        String where = record.topic() + "-" + record.partition() + "@" + record.offset();
        AugmentTask task;
        try {
            if (record.value() == null) {
                throw new InvalidProtocolBufferException("the record has no value");
            }
            task = AugmentTask.parseFrom(record.value());
        } catch (InvalidProtocolBufferException e) {
            skip(c, partition, record.offset(), where, "does not parse as an AugmentTask: " + e.getMessage());
            return;
        }
        String name = "task " + Long.toUnsignedString(task.getTaskId()) + " of run '" + task.getRunId() + "'";
        TaskProcessor.Outcome outcome;
        long started = System.nanoTime();
        try {
            outcome = processor.process(task, producer.get(), () -> stopping);
        } catch (TaskProcessor.ProduceFailure e) {
            stats.produceFailed();
            Duration delay = nextDelay(e);
            LOG.warnf(
                    "worker %s: %s at %s: %s; reading it again in %d ms",
                    settings.workerId(),
                    name,
                    where,
                    settings.kafka().security(e).orElse(e.getMessage()),
                    delay.toMillis());
            producer.discard();
            if (c.assignment().contains(partition)) {
                c.seek(partition, record.offset());
            }
            pause(delay);
            return;
        }
        recovered();
        if (outcome instanceof TaskProcessor.Outcome.Done done) {
            stats.completed(done.batches(), done.samples(), System.nanoTime() - started);
            stats.rejected(done.rejected(), done.lastRejection());
            if (done.rejected() > 0) {
                LOG.warnf(
                        "worker %s: %s at %s: %d sample(s) unreadable, sent to %s; last: %s",
                        settings.workerId(),
                        name,
                        where,
                        done.rejected(),
                        settings.deadLetterTopic(),
                        done.lastRejection());
            }
            commit(c, partition, record.offset(), name);
            LOG.debugf(
                    "worker %s: %s at %s: %d samples in %d ViewBatches to %s",
                    settings.workerId(), name, where, done.samples(), done.batches(), task.getViewsTopic());
        } else if (outcome instanceof TaskProcessor.Outcome.Skipped skipped) {
            skip(c, partition, record.offset(), where, name + ": " + skipped.reason());
        } else if (outcome instanceof TaskProcessor.Outcome.Abandoned abandoned) {
            stats.abandoned();
            LOG.infof(
                    "worker %s: stopping; %s at %s left uncommitted after %d ViewBatches, for another worker",
                    settings.workerId(), name, where, abandoned.sentBatches());
        }
    }

    private void skip(
            KafkaConsumer<byte[], byte[]> c, TopicPartition partition, long offset, String where, String reason) {
        stats.skipped(where, reason);
        LOG.warnf(
                "worker %s: skipped the task record at %s: %s (%d skipped so far)",
                settings.workerId(), where, reason, stats.snapshot().tasksSkipped());
        commit(c, partition, offset, "the record");
    }

    /**
     * Commits {@code offset + 1}; a stop request arriving meanwhile does not lose the commit. A
     * partition no longer assigned is not committed: its new owner reads the record again.
     */
    private void commit(KafkaConsumer<byte[], byte[]> c, TopicPartition partition, long offset, String what) {
        if (!c.assignment().contains(partition)) {
            LOG.warnf(
                    "worker %s: %s at %s-%d@%d is not committed: the partition was revoked meanwhile; its new"
                            + " owner redoes it and the trainer drops the duplicates",
                    settings.workerId(), what, partition.topic(), partition.partition(), offset);
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> next = Map.of(partition, new OffsetAndMetadata(offset + 1));
        boolean woken = false;
        long rebalanceDeadline = System.nanoTime() + REBALANCE_WAIT.toNanos();
        long commitDeadline = System.nanoTime() + COMMIT_WAIT.toNanos();
        int commitFailures = 0;
        while (true) {
            try {
                c.commitSync(next);
                if (commitFailures > 0) {
                    waits.end(Waits.BROKER);
                }
                return;
            } catch (WakeupException e) {
                if (woken) {
                    throw e;
                }
                woken = true; // close() woke the consumer: this work is done, so commit it anyway (wakeup fires once)
            } catch (RebalanceInProgressException e) {
                // a worker joined or left while this task ran: take part in the rebalance, then commit if the
                // partition stayed here (the cooperative assignor moves as few as it can)
                if (System.nanoTime() - rebalanceDeadline > 0 || !completeRebalance(c, partition)) {
                    LOG.warnf(
                            "worker %s: could not commit %s at %s-%d@%d (%s): the partition moved; its new owner"
                                    + " may redo it and the trainer drops the duplicates",
                            settings.workerId(),
                            what,
                            partition.topic(),
                            partition.partition(),
                            offset,
                            e.getMessage());
                    return;
                }
            } catch (CommitFailedException e) {
                LOG.warnf(
                        "worker %s: could not commit %s at %s-%d@%d (%s): the partition moved; its new owner"
                                + " may redo it and the trainer drops the duplicates",
                        settings.workerId(), what, partition.topic(), partition.partition(), offset, e.getMessage());
                return;
            } catch (InterruptException e) {
                throw e;
            } catch (KafkaException e) {
                boolean retry = KafkaErrors.isTransient(e)
                        && !stopping
                        && System.nanoTime() - commitDeadline < 0
                        && c.assignment().contains(partition);
                if (retry) { // the broker is away: the work is done, so its commit is worth waiting for
                    commitFailures++;
                    waits.begin(Waits.BROKER, "commit " + what + ": " + e.getMessage());
                    Duration delay = backoff.delay(commitFailures);
                    LOG.warnf(
                            "worker %s: could not commit %s at %s-%d@%d yet (%s); trying again in %d ms",
                            settings.workerId(),
                            what,
                            partition.topic(),
                            partition.partition(),
                            offset,
                            e.getMessage(),
                            delay.toMillis());
                    pause(delay);
                    continue;
                }
                if (commitFailures > 0) {
                    waits.end(Waits.BROKER);
                }
                LOG.warnf(
                        "worker %s: could not commit %s at %s-%d@%d: %s; if its partition moves, the new owner"
                                + " redoes it and the trainer drops the duplicates",
                        settings.workerId(), what, partition.topic(), partition.partition(), offset, e.getMessage());
                return;
            }
        }
    }

    /**
     * One poll with every partition paused, which lets the consumer rejoin the group (rebalance
     * callbacks run here) without taking a new task. A record that still arrives (a partition
     * assigned during this poll) is put back: the consumer seeks to it, so the next poll returns it.
     *
     * @return whether {@code partition} is still this worker's
     */
    private boolean completeRebalance(KafkaConsumer<byte[], byte[]> c, TopicPartition partition) {
        c.pause(c.assignment());
        try {
            Map<TopicPartition, Long> firsts = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> record : c.poll(Duration.ofMillis(200))) {
                firsts.merge(new TopicPartition(record.topic(), record.partition()), record.offset(), Math::min);
            }
            firsts.forEach(c::seek);
        } catch (WakeupException e) {
            // close() woke the consumer (it fires once): the commit is still worth trying
        } finally {
            c.resume(c.paused());
        }
        return c.assignment().contains(partition);
    }

    /**
     * Creates the tasks and dead-letter topics if missing and raises the tasks topic to the configured
     * partitions, retrying while the broker cannot be reached; false when stopping.
     */
    private boolean ensureTasksTopic(Admin a) {
        while (!stopping) {
            try {
                Topics.ensure(
                        a,
                        Topics.tasksTopic(settings.tasksTopic(), settings.tasksPartitions()),
                        Topics.deadLetterTopic(settings.deadLetterTopic()));
                Topics.ensurePartitions(a, settings.tasksTopic(), settings.tasksPartitions());
                recovered();
                return true;
            } catch (IllegalStateException | KafkaException e) {
                if (stopping || Thread.currentThread().isInterrupted()) {
                    return false;
                }
                Duration delay = nextDelay(e);
                LOG.warnf(
                        "worker %s: %s; trying again in %d ms",
                        settings.workerId(), settings.kafka().security(e).orElse(e.getMessage()), delay.toMillis());
                pause(delay);
            }
        }
        return false;
    }

    /** Waits {@code delay}, or less when the worker is closed meanwhile. */
    private void pause(Duration delay) {
        try {
            stopSignal.await(delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * One more failure in a row: the delay before the next try, doubling from the retry backoff up to
     * {@link #MAX_RETRY_DELAY}. A transient Kafka failure means the worker waits for the broker.
     */
    private Duration nextDelay(Exception failure) {
        failuresInARow++;
        if (KafkaErrors.isTransient(failure)) {
            waits.begin(Waits.BROKER, failure.getMessage() == null ? failure.toString() : failure.getMessage());
        }
        return settings.retryBackoff().isZero() ? Duration.ZERO : backoff.delay(failuresInARow);
    }

    /** A task went through: the broker is back. */
    private void recovered() {
        failuresInARow = 0;
        waits.end(Waits.BROKER);
    }

    private void awaitTermination(ExecutorService executor, String what) {
        try {
            if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warnf("worker %s: %s did not stop within 10 s", settings.workerId(), what);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static java.util.concurrent.ThreadFactory named(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** The views producer, opened on first use and replaced after a failure (its state is then unknown). */
    private static final class ProducerSlot implements AutoCloseable {
        private final WorkerSettings settings;
        private KafkaProducer<byte[], byte[]> producer;

        ProducerSlot(WorkerSettings settings) {
            this.settings = settings;
        }

        KafkaProducer<byte[], byte[]> get() {
            if (producer == null) {
                producer = settings.kafka().viewsProducer(clientId(settings, "views"));
            }
            return producer;
        }

        void discard() {
            if (producer != null) {
                producer.close(Duration.ZERO);
                producer = null;
            }
        }

        @Override
        public void close() {
            if (producer != null) {
                producer.close(Duration.ofSeconds(10)); // sends of an abandoned task still in flight
                producer = null;
            }
        }
    }

    /**
     * Follows the worker's share of the tasks topic. With the cooperative assignor the callbacks get
     * only what changes: {@code onPartitionsAssigned} the partitions added, {@code onPartitionsRevoked}
     * those that move to another worker (the worker keeps the rest and goes on with them). The
     * callbacks run inside {@code poll()}, between tasks: the task in hand was committed or abandoned
     * before any of its partition is given up, and a task whose partition was lost meanwhile (session
     * or poll interval expired) is not committed ({@link #commit}) but redone by the new owner.
     */
    private final class Rebalance implements ConsumerRebalanceListener {
        private final Set<TopicPartition> owned =
                new TreeSet<>(Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            owned.addAll(partitions);
            stats.assigned(owned.size());
            if (!partitions.isEmpty()) {
                LOG.infof(
                        "worker %s: took partition(s) %s of %s, holds %d",
                        settings.workerId(), numbers(partitions), settings.tasksTopic(), owned.size());
            }
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            owned.removeAll(partitions);
            stats.assigned(owned.size());
            if (!partitions.isEmpty()) {
                LOG.infof(
                        "worker %s: gave up partition(s) %s, keeps %d",
                        settings.workerId(), numbers(partitions), owned.size());
            }
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            owned.removeAll(partitions);
            stats.assigned(owned.size());
            if (!partitions.isEmpty()) {
                LOG.warnf(
                        "worker %s: lost partition(s) %s (the group moved them without this worker: session or"
                                + " poll interval expired); their uncommitted tasks are redone elsewhere",
                        settings.workerId(), numbers(partitions));
            }
        }

        private static List<Integer> numbers(Collection<TopicPartition> partitions) {
            return partitions.stream().map(TopicPartition::partition).sorted().toList();
        }
    }
}
