package io.twinview.trainer.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.twinview.core.checkpoint.CheckpointStore;
import io.twinview.core.kafka.KafkaClients;
import io.twinview.core.kafka.Topics;
import io.twinview.core.monitor.CollapseMonitor;
import io.twinview.core.storage.ObjectStore;
import io.twinview.core.storage.StorageSettings;
import io.twinview.proto.v1.AugmentTask;
import io.twinview.proto.v1.ProjectorSpec;
import io.twinview.proto.v1.RunProgress;
import io.twinview.proto.v1.RunSpec;
import io.twinview.proto.v1.RunState;
import io.twinview.proto.v1.SimClrSettings;
import io.twinview.proto.v1.ViewBatch;
import io.twinview.stack.LocalStack;
import io.twinview.trainer.run.FakeWorkers;
import io.twinview.trainer.run.ResolvedRun;
import io.twinview.trainer.run.RunExecution;
import io.twinview.trainer.run.RunSpecs;
import io.twinview.trainer.run.TaskPlan;
import io.twinview.trainer.train.Learner;
import io.twinview.trainer.train.PairBatch;
import io.twinview.trainer.train.Stepper;
import io.twinview.trainer.train.TrainingState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * A live run (the trainer's Kafka views source, task sink and checkpoint sink against the real
 * broker and S3 endpoint, a real DJL learner) whose views topic also carries forged records:
 * {@code sequence=0xFFFFFFFF}, {@code task_id=2^63}, eight forged incomplete tasks and samples of
 * other tasks. The run finishes, counts each as rejected and trains every sample once per epoch.
 */
class PoisonViewsTest {

    /** Fresh names per test run: the shared stack may outlive a JVM. */
    private static final String RUN = "poison-views-" + Long.toString(System.currentTimeMillis(), 36);

    private static final int IMAGES = 64;
    private static final int EPOCHS = 2;
    private static final int PER_RECORD = 5;

    /** The learner, remembering the samples of every step it trained. */
    private static final class RecordingStepper implements Stepper {
        final Learner learner;
        final List<long[]> trained = new ArrayList<>();

        RecordingStepper(Learner learner) {
            this.learner = learner;
        }

        @Override
        public StepResult step(PairBatch batch, double learningRate, long step, long totalSteps) {
            trained.add(batch.samples());
            return learner.step(batch, learningRate, step, totalSteps);
        }

        @Override
        public TrainingState state() {
            return learner.state();
        }

        @Override
        public CollapseMonitor.Reading monitors() {
            return learner.monitors();
        }

        @Override
        public void restore(TrainingState state) {
            learner.restore(state);
        }
    }

    @Test
    void forgedRecordsAreRejectedAndEverySampleIsTrainedOncePerEpoch() throws Exception {
        LocalStack stack = LocalStack.shared();
        KafkaClients kafka = KafkaClients.of(stack.kafkaBootstrapServers());
        String tasksTopic = "twinview.augment-tasks." + RUN;
        String checkpointsTopic = "twinview.checkpoints." + RUN;
        String viewsTopic = Topics.viewsTopic(RUN);
        try (Admin admin = kafka.admin()) {
            Topics.ensure(
                    admin,
                    Topics.tasksTopic(tasksTopic, 2),
                    Topics.checkpointsTopic(checkpointsTopic),
                    Topics.viewsTopic(RUN, 3, 3_600_000L, 64L << 20));
        }
        ResolvedRun run = RunSpecs.resolve(RunSpec.newBuilder()
                .setDatasetUri("synthetic:?n=" + IMAGES + "&size=8")
                .setEpochs(EPOCHS)
                .setBatchSize(8)
                .setSamplesPerTask(16)
                .setCheckpointEverySteps(8)
                .setSimclr(SimClrSettings.newBuilder()
                        .setProjector(
                                ProjectorSpec.newBuilder().setHiddenDim(32).setOutputDim(16))
                        .setTemperature(0.5))
                .build());
        // 4 tasks of 16 samples per epoch, 4 records of at most 5 each: 8 tasks, task ids 0..7
        TaskPlan plan = new TaskPlan(RUN, run, viewsTopic, PER_RECORD);
        TaskPlan forgers = new TaskPlan(RUN, run, viewsTopic, PER_RECORD);
        List<byte[]> forged = forgedRecords(forgers);
        int exactButEarly = 2; // of the forged records, two name a later task exactly as the plan does

        AtomicBoolean working = new AtomicBoolean(true);
        AtomicInteger tasksWorked = new AtomicInteger();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        ScheduledExecutorService watch = Executors.newSingleThreadScheduledExecutor();
        List<RunProgress> progress = new ArrayList<>();
        try (Learner learner = new Learner(RunSpecs.learnerConfig(run.spec(), Device.cpu()));
                KafkaViewSource views = new KafkaViewSource(kafka, viewsTopic);
                KafkaProducer<byte[], byte[]> producer = kafka.producer("poison-test-trainer");
                ObjectStore objects = new ObjectStore(StorageSettings.of(
                        stack.s3Endpoint(), stack.s3AccessKey(), stack.s3SecretKey(), "poison-test"))) {
            objects.ensureBucket();
            Future<?> worker = pool.submit(() -> actAsWorker(kafka, tasksTopic, forged, working, tasksWorked));
            RecordingStepper stepper = new RecordingStepper(learner);
            RunExecution execution = new RunExecution(
                    RUN,
                    run,
                    viewsTopic,
                    stepper,
                    plan,
                    views,
                    new KafkaTaskSink(producer, tasksTopic),
                    new KafkaCheckpointSink(new CheckpointStore(objects), producer, checkpointsTopic),
                    progress::add,
                    // a window of 2: eight forged open tasks holding credit would shut it for good, and a
                    // stall timeout far beyond the test's limit, so that no republishing hides it
                    new RunExecution.Settings(2, Duration.ofHours(1), Duration.ofMillis(100)),
                    System::nanoTime);

            ScheduledFuture<?> watchdog = watch.schedule(execution::cancel, 4, TimeUnit.MINUTES);
            RunExecution.Outcome outcome = execution.run(); // on this thread, as on the trainer's run thread
            watchdog.cancel(false);
            working.set(false);
            worker.get(30, TimeUnit.SECONDS);

            assertEquals(
                    RunExecution.End.COMPLETE,
                    outcome.end(),
                    "the forged records neither stop the run nor hold it (cancelled after 4 min if they do): "
                            + outcome);
            assertEquals(run.totalSteps(), outcome.finalStep(), "every planned step ran");
            Map<Long, Integer> times = new HashMap<>();
            stepper.trained.forEach(samples -> {
                for (long sample : samples) {
                    times.merge(sample, 1, Integer::sum);
                }
            });
            assertEquals(IMAGES, times.size(), "every sample of the dataset, and nothing else, was trained: " + times);
            times.forEach((sample, count) -> assertEquals(
                    EPOCHS, count, "sample " + sample + " trained once per epoch, however many records named it"));
            RunProgress last = execution.snapshot(RunState.RUN_STATE_SUCCEEDED);
            assertEquals(
                    forged.size() - exactButEarly,
                    last.getRejectedBatches(),
                    "each forged record is counted as rejected once (the two that match the plan exactly are "
                            + "trained early, and their real copies dropped as duplicates): " + last);
            assertTrue(last.getDuplicateBatches() >= exactButEarly, "the real copies are duplicates: " + last);
            assertEquals(run.totalTasks(), tasksWorked.get(), "each task was published once: no stall, no republish");
            assertTrue(
                    new CheckpointStore(objects).steps(RUN).contains(run.totalSteps()),
                    "the final checkpoint is in S3");
        } finally {
            working.set(false);
            pool.shutdownNow();
            watch.shutdownNow();
        }
    }

    /**
     * Records nobody published: each names the run but is not a record of its plan, except two
     * that name record 0 of later tasks exactly as the plan does (pixels included) and never
     * bring the rest of their tasks.
     */
    private static List<byte[]> forgedRecords(TaskPlan plan) {
        AugmentTask first = plan.task(0);
        List<Long> chunk0 = first.getSampleIndicesList().subList(0, PER_RECORD);
        List<byte[]> forged = new ArrayList<>();
        forged.add(FakeWorkers.batch(first, 0, 4, chunk0, 8).toBuilder()
                .setSequence(0xFFFFFFFF)
                .build()
                .toByteArray());
        forged.add(FakeWorkers.batch(first, 0, 4, chunk0, 8).toBuilder()
                .setTaskId(1L << 63)
                .build()
                .toByteArray());
        // eight forged incomplete tasks: never published, or with a batch count that never completes
        for (long taskId : new long[] {8, 9, 1L << 40}) {
            forged.add(FakeWorkers.batch(first, 0, 4, chunk0, 8).toBuilder()
                    .setTaskId(taskId)
                    .build()
                    .toByteArray());
        }
        for (long taskId : new long[] {3, 5, 6}) {
            AugmentTask task = plan.task(taskId);
            forged.add(FakeWorkers.batch(
                            task, 0, 1_000_000, task.getSampleIndicesList().subList(0, PER_RECORD), 8)
                    .toByteArray());
        }
        for (long taskId : new long[] {4, 7}) {
            AugmentTask task = plan.task(taskId);
            forged.add(FakeWorkers.batch(task, 0, 4, task.getSampleIndicesList().subList(0, PER_RECORD), 8)
                    .toByteArray());
        }
        // samples of other tasks, and one far outside the dataset
        List<Long> stolen = new ArrayList<>(chunk0);
        stolen.set(2, plan.task(1).getSampleIndices(0));
        forged.add(FakeWorkers.batch(first, 0, 4, stolen, 8).toByteArray());
        List<Long> outside = new ArrayList<>(chunk0);
        outside.set(4, 1_000_000_000L);
        forged.add(FakeWorkers.batch(first, 0, 4, outside, 8).toByteArray());
        return forged;
    }

    /**
     * What augment-service does, minus the augmentation: tasks in, ViewBatches out. The forged
     * records go ahead of the first task's views, so the trainer reads them first.
     */
    private static void actAsWorker(
            KafkaClients kafka,
            String tasksTopic,
            List<byte[]> forged,
            AtomicBoolean working,
            AtomicInteger tasksWorked) {
        try (KafkaConsumer<byte[], byte[]> consumer =
                        kafka.tasksConsumer("poison-worker", "poison-worker", Duration.ofSeconds(45));
                KafkaProducer<byte[], byte[]> producer = kafka.viewsProducer("poison-worker-views")) {
            consumer.subscribe(List.of(tasksTopic));
            boolean forgedSent = false;
            while (working.get()) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    AugmentTask task = AugmentTask.parseFrom(record.value());
                    if (!forgedSent) {
                        for (byte[] value : forged) {
                            producer.send(new ProducerRecord<>(task.getViewsTopic(), 0, null, value));
                        }
                        forgedSent = true;
                    }
                    tasksWorked.incrementAndGet();
                    int n = task.getSampleIndicesCount();
                    int max = task.getMaxSamplesPerBatch();
                    int count = (n + max - 1) / max;
                    for (int seq = 0; seq < count; seq++) {
                        ViewBatch batch = FakeWorkers.batch(
                                task,
                                seq,
                                count,
                                task.getSampleIndicesList().subList(seq * max, Math.min(n, (seq + 1) * max)),
                                task.getImageSize());
                        producer.send(new ProducerRecord<>(task.getViewsTopic(), seq % 3, null, batch.toByteArray()));
                    }
                    producer.flush();
                    consumer.commitSync();
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("test worker failed", e);
        }
    }
}
