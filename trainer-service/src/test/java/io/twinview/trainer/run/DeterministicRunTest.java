package io.twinview.trainer.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import io.twinview.core.checkpoint.Checkpoint;
import io.twinview.core.checkpoint.SampleAccount;
import io.twinview.proto.v1.AugmentTask;
import io.twinview.proto.v1.PartitionCursor;
import io.twinview.proto.v1.RunSpec;
import io.twinview.proto.v1.ViewBatch;
import io.twinview.trainer.method.MethodFixtures;
import io.twinview.trainer.train.Learner;
import io.twinview.trainer.train.PairBatch;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Batches are a function of the run's plan: the same records, delivered in any order, interleaved
 * across partitions, duplicated, made by one worker or three, train bit-identical weights, optimizer
 * and method state (sha256 of the final checkpoint's objects); and a run abandoned after a
 * checkpoint or in the middle of a step, then resumed from its newest checkpoint by a new learner,
 * ends bit-identical to the uninterrupted run. Real DJL learner, in-memory topic and storage.
 */
class DeterministicRunTest {

    private static final int IMAGES = 48;
    /** Records of at most 3 samples: tasks of 8 samples make records of 3, 3 and 2; a batch of 8 straddles them. */
    private static final int MAX_SAMPLES_PER_RECORD = 3;
    /** Samples whose index is a multiple of this are unreadable: the stream skips them, in every variant alike. */
    private static final int UNREADABLE_EVERY = 7;

    private final List<Learner> learners = new ArrayList<>();

    @AfterEach
    void closeLearners() {
        learners.forEach(Learner::close);
    }

    private static ResolvedRun resolved(String method) {
        RunSpec.Builder spec = RunSpec.newBuilder()
                .setDatasetUri("synthetic:?n=" + IMAGES + "&size=8")
                .setEpochs(2)
                .setBatchSize(8)
                .setSamplesPerTask(8)
                .setCheckpointEverySteps(3)
                .setThreads(1);
        return RunSpecs.resolve(
                MethodFixtures.smallHeads(spec, method, 32, 32, 16, 64).build());
    }

    /**
     * A views topic fed by {@code workers} workers: worker w takes tasks w, w + n, ... and writes to
     * partition w. With a seed, each read of the topic first delivers a random handful of the
     * records the workers owe, in random order, some of them twice; without, all at once in order.
     */
    private static final class Topic implements TaskSink {
        final InMemoryViews views = new InMemoryViews(3);
        final int workers;
        final Random random;
        final double duplicateRate;
        final List<Pending> owed = new ArrayList<>();

        record Pending(int partition, byte[] value) {}

        Topic(int workers, Long seed, double duplicateRate) {
            this.workers = workers;
            this.random = seed == null ? null : new Random(seed);
            this.duplicateRate = duplicateRate;
        }

        @Override
        public void publish(List<AugmentTask> tasks) {
            for (AugmentTask task : tasks) {
                int partition = (int) (task.getTaskId() % workers);
                int n = task.getSampleIndicesCount();
                int max = task.getMaxSamplesPerBatch();
                int count = (n + max - 1) / max;
                for (int seq = 0; seq < count; seq++) {
                    List<Long> chunk = task.getSampleIndicesList().subList(seq * max, Math.min(n, (seq + 1) * max));
                    List<Long> read = chunk.stream()
                            .filter(s -> s % UNREADABLE_EVERY != 0)
                            .toList();
                    ViewBatch batch = FakeWorkers.batch(task, seq, count, read, task.getImageSize()).toBuilder()
                            .addAllRejectedSampleIndices(chunk.stream()
                                    .filter(s -> s % UNREADABLE_EVERY == 0)
                                    .toList())
                            .build();
                    owed.add(new Pending(partition, batch.toByteArray()));
                }
            }
        }

        void deliver() {
            if (random == null) {
                owed.forEach(p -> views.append(p.partition(), p.value()));
                owed.clear();
                return;
            }
            int n = Math.min(owed.size(), 1 + random.nextInt(4));
            for (int i = 0; i < n; i++) {
                Pending next = owed.remove(random.nextInt(owed.size()));
                views.append(next.partition(), next.value());
                if (random.nextDouble() < duplicateRate) {
                    // a worker died after producing, before committing: another makes the record again
                    views.append(random.nextInt(3), next.value());
                }
            }
        }

        ViewSource reader() {
            InMemoryViews.Reader reader = views.reader();
            return new ViewSource() {
                @Override
                public List<Integer> partitions() {
                    return reader.partitions();
                }

                @Override
                public void seek(List<PartitionCursor> positions) {
                    reader.seek(positions);
                }

                @Override
                public List<ViewRecord> poll(Duration timeout) {
                    deliver();
                    return reader.poll(timeout);
                }

                @Override
                public void close() {}
            };
        }
    }

    /** A learner that can be abandoned: after computing a step it has not yet reported (SIGKILL mid-step). */
    private static final class Abandoning extends RunExecutionTest.RecordingStepper {
        long killInStep = -1;

        Abandoning(Learner learner) {
            super(learner);
        }

        @Override
        public StepResult step(PairBatch batch, double learningRate, long step, long totalSteps) {
            StepResult result = super.step(batch, learningRate, step, totalSteps);
            if (step == killInStep) {
                throw new IllegalStateException("killed in the middle of step " + step);
            }
            return result;
        }
    }

    private Abandoning stepper(ResolvedRun run) {
        Learner learner = new Learner(RunSpecs.learnerConfig(run.spec(), Device.cpu()));
        learners.add(learner);
        return new Abandoning(learner);
    }

    private static RunExecution execution(
            ResolvedRun run, Abandoning stepper, Topic topic, MemoryCheckpoints checkpoints) {
        AtomicLong clock = new AtomicLong();
        return new RunExecution(
                "run",
                run,
                "views",
                stepper,
                new TaskPlan("run", run, "views", MAX_SAMPLES_PER_RECORD),
                topic.reader(),
                topic,
                checkpoints,
                progress -> {},
                new RunExecution.Settings(2, Duration.ofMinutes(5), Duration.ZERO),
                () -> clock.addAndGet(1_000_000));
    }

    /** sha256 of each object of the run's final checkpoint, by name. */
    private static Map<String, String> digests(Checkpoint checkpoint) {
        Map<String, String> digests = new TreeMap<>();
        checkpoint.objects().forEach((name, data) -> digests.put(name, sha256(data)));
        return digests;
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Checkpoint uninterrupted(ResolvedRun run, Topic topic) {
        MemoryCheckpoints checkpoints = new MemoryCheckpoints();
        RunExecution.Outcome outcome =
                execution(run, stepper(run), topic, checkpoints).run();
        assertEquals(
                RunExecution.End.VIEWS_EXHAUSTED,
                outcome.end(),
                "unreadable samples leave the last batch short: " + outcome.message());
        return checkpoints.byStep.lastEntry().getValue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"simclr", "mocov2", "directpred"})
    void theSameRecordsInAnyOrderTrainBitIdenticalWeights(String method) {
        ResolvedRun run = resolved(method);
        Checkpoint inOrder = uninterrupted(run, new Topic(1, null, 0));
        Map<String, String> expected = digests(inOrder);
        assertEquals(
                List.of("encoder", "heads", "optimizer", "samples"),
                List.copyOf(expected.keySet()),
                "the final checkpoint holds the weights, the heads with the method state, the optimizer and the"
                        + " sample account");

        assertEquals(
                expected,
                digests(uninterrupted(run, new Topic(1, null, 0))),
                method + ": an uninterrupted run twice gives bit-identical objects");
        assertEquals(
                expected,
                digests(uninterrupted(run, new Topic(3, 11L, 0))),
                method + ": three workers, records in random order across partitions: bit-identical");
        assertEquals(
                expected,
                digests(uninterrupted(run, new Topic(1, 29L, 0.3))),
                method + ": one worker, scrambled and duplicated records: bit-identical");

        SampleAccount account = SampleAccount.parse(inOrder.object(RunExecution.SAMPLES));
        for (int epoch = 0; epoch < 2; epoch++) {
            assertEquals(List.of(), account.duplicated(epoch), "no sample trained twice in epoch " + epoch);
            for (long sample : account.unreadable(epoch)) {
                assertEquals(0, sample % UNREADABLE_EVERY, "only unreadable samples are listed so: " + sample);
            }
        }
        assertEquals(
                List.of(),
                account.missing(0),
                "every readable sample of the first epoch is trained exactly once; the unreadable are accounted for");
    }

    /** Abandons a run (after a checkpoint, or inside a step), resumes it from the newest checkpoint with a new learner. */
    private Checkpoint killedAndResumed(ResolvedRun run, long killInStep, boolean afterCheckpoint) {
        Topic topic = new Topic(3, 5L, 0.2);
        MemoryCheckpoints checkpoints = new MemoryCheckpoints();
        Abandoning first = stepper(run);
        RunExecution killed = execution(run, first, topic, checkpoints);
        if (afterCheckpoint) {
            killed.addListener(new RunListener() {
                @Override
                public void onCheckpointPublished(RunExecution execution, long publishNanos) {
                    if (execution.step() == killInStep) {
                        throw new IllegalStateException("killed right after the checkpoint of step " + killInStep);
                    }
                }
            });
        } else {
            first.killInStep = killInStep;
        }
        assertThrows(IllegalStateException.class, killed::run, "the kill ends the first process");

        Checkpoint newest = checkpoints.byStep.lastEntry().getValue();
        RunExecution resumed = execution(run, stepper(run), topic, checkpoints);
        resumed.resumeFrom(newest);
        RunExecution.Outcome outcome = resumed.run();
        assertEquals(RunExecution.End.VIEWS_EXHAUSTED, outcome.end(), outcome.message());
        return checkpoints.byStep.lastEntry().getValue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"simclr", "mocov2", "directpred"})
    void aRunKilledAnywhereAndResumedEndsBitIdenticalToTheUninterruptedOne(String method) {
        ResolvedRun run = resolved(method);
        Map<String, String> expected = digests(uninterrupted(run, new Topic(1, null, 0)));

        assertEquals(
                expected,
                digests(killedAndResumed(run, 6, true)),
                method + ": killed right after the checkpoint of step 6, resumed there: bit-identical weights,"
                        + " optimizer, method state and sample account");
        assertEquals(
                expected,
                digests(killedAndResumed(run, 5, false)),
                method + ": killed inside step 5 (computed, never reported), resumed from step 3: bit-identical");
    }
}
