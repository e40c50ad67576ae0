package io.twinview.trainer.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.twinview.core.checkpoint.Checkpoint;
import io.twinview.proto.v1.CheckpointEvent;
import io.twinview.proto.v1.ProjectorSpec;
import io.twinview.proto.v1.RunProgress;
import io.twinview.proto.v1.RunSpec;
import io.twinview.proto.v1.RunState;
import io.twinview.proto.v1.SimClrSettings;
import io.twinview.trainer.train.Learner;
import io.twinview.trainer.train.PairBatch;
import io.twinview.trainer.train.Stepper;
import io.twinview.trainer.train.TrainingState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The run loop against in-memory Kafka and storage fakes, with a real (tiny) DJL learner. */
class RunExecutionTest {

    private static final String RUN = "run-test";
    private static final int IMAGES = 64;
    private static final int EPOCHS = 2;
    private static final int BATCH = 8;
    private static final int MAX_SAMPLES_PER_RECORD = 5;

    /** A learner that remembers which samples each step trained on, and can fail or go NaN on cue. */
    static class RecordingStepper implements Stepper {
        final Learner learner;
        final TreeMap<Long, long[]> samplesByStep = new TreeMap<>();
        long crashAtStep = -1;
        long nanAtStep = -1;
        /** From this step on, the state reports a non-finite parameter. */
        long nonFiniteFromStep = Long.MAX_VALUE;

        private long lastStep;

        RecordingStepper(Learner learner) {
            this.learner = learner;
        }

        @Override
        public StepResult step(PairBatch batch, double learningRate, long step, long totalSteps) {
            if (step == crashAtStep) {
                throw new IllegalStateException("simulated crash at step " + step);
            }
            samplesByStep.put(step, batch.samples());
            lastStep = step;
            StepResult result = learner.step(batch, learningRate, step, totalSteps);
            return step == nanAtStep ? StepResult.skipped(Double.NaN, "the loss") : result;
        }

        @Override
        public TrainingState state() {
            return learner.state();
        }

        @Override
        public io.twinview.core.monitor.CollapseMonitor.Reading monitors() {
            return learner.monitors();
        }

        @Override
        public void restore(TrainingState state) {
            learner.restore(state);
        }

        @Override
        public java.util.Optional<String> nonFinite() {
            return lastStep >= nonFiniteFromStep ? java.util.Optional.of("encoder/weight") : learner.nonFinite();
        }
    }

    private final List<Learner> learners = new ArrayList<>();

    @AfterEach
    void closeLearners() {
        learners.forEach(Learner::close);
    }

    private static ResolvedRun resolved(int checkpointEvery) {
        RunSpec requested = RunSpec.newBuilder()
                .setDatasetUri("synthetic:?n=" + IMAGES + "&size=8")
                .setEpochs(EPOCHS)
                .setBatchSize(BATCH)
                .setSamplesPerTask(16)
                .setCheckpointEverySteps(checkpointEvery)
                .setSimclr(SimClrSettings.newBuilder()
                        .setProjector(
                                ProjectorSpec.newBuilder().setHiddenDim(32).setOutputDim(16))
                        .setTemperature(0.5))
                .build();
        return RunSpecs.resolve(requested);
    }

    private Learner learner(ResolvedRun run) {
        Learner learner = new Learner(RunSpecs.learnerConfig(run.spec(), Device.cpu()));
        learners.add(learner);
        return learner;
    }

    private RecordingStepper stepper(ResolvedRun run) {
        return new RecordingStepper(learner(run));
    }

    private static RunExecution execution(
            ResolvedRun run,
            Stepper stepper,
            InMemoryViews views,
            FakeWorkers workers,
            MemoryCheckpoints checkpoints,
            List<RunProgress> progress,
            int window) {
        AtomicLong clock = new AtomicLong();
        return execution(
                run, stepper, views.reader(), workers, checkpoints, progress, window, () -> clock.addAndGet(1_000_000));
    }

    private static RunExecution execution(
            ResolvedRun run,
            Stepper stepper,
            ViewSource views,
            FakeWorkers workers,
            MemoryCheckpoints checkpoints,
            List<RunProgress> progress,
            int window,
            LongSupplier clock) {
        TaskPlan plan = new TaskPlan(RUN, run, "views", MAX_SAMPLES_PER_RECORD);
        return new RunExecution(
                RUN,
                run,
                "views",
                stepper,
                plan,
                views,
                workers,
                checkpoints,
                progress::add,
                new RunExecution.Settings(window, Duration.ofMinutes(5), Duration.ZERO),
                clock);
    }

    private static Map<Long, Integer> timesTrained(Iterable<long[]> batches) {
        Map<Long, Integer> counts = new HashMap<>();
        for (long[] samples : batches) {
            for (long sample : samples) {
                counts.merge(sample, 1, Integer::sum);
            }
        }
        return counts;
    }

    @Test
    void trainsEveryStepOnEverySampleAndCheckpointsOnCadence() {
        ResolvedRun run = resolved(5);
        InMemoryViews views = new InMemoryViews(3);
        FakeWorkers workers = new FakeWorkers(views);
        MemoryCheckpoints checkpoints = new MemoryCheckpoints();
        RecordingStepper stepper = stepper(run);
        List<RunProgress> progress = new ArrayList<>();

        RunExecution.Outcome outcome = execution(run, stepper, views, workers, checkpoints, progress, 2)
                .run();

        long total = (long) EPOCHS * IMAGES / BATCH;
        assertEquals(RunExecution.End.COMPLETE, outcome.end(), outcome.message());
        assertEquals(total, outcome.finalStep(), "every planned step runs");
        Map<Long, Integer> counts = timesTrained(stepper.samplesByStep.values());
        assertEquals(IMAGES, counts.size(), "every sample of the dataset is trained on");
        counts.forEach((sample, times) -> assertEquals(EPOCHS, times, "sample " + sample + " once per epoch"));
        assertEquals(
                List.of(5L, 10L, 15L, 16L),
                List.copyOf(checkpoints.byStep.keySet()),
                "a checkpoint every 5 steps, and one at the last step");
        CheckpointEvent last = checkpoints.events.get(checkpoints.events.size() - 1);
        assertTrue(last.getFinal() && last.getStep() == total, "the last event is marked final");
        assertTrue(progress.get(progress.size() - 1).getStep() == total, "progress reaches the last step");
    }

    @Test
    void aListenerSeesEveryStepAndEachCheckpointBeforeItsProgress() {
        ResolvedRun run = resolved(5);
        InMemoryViews views = new InMemoryViews(2);
        List<String> events = new ArrayList<>();
        List<RunProgress> progress = new ArrayList<>() {
            @Override
            public boolean add(RunProgress update) {
                events.add("progress " + update.getStep());
                return super.add(update);
            }
        };
        RunExecution execution =
                execution(run, stepper(run), views, new FakeWorkers(views), new MemoryCheckpoints(), progress, 2);
        execution.addListener(new RunListener() {
            @Override
            public void onBegin(RunExecution run) {
                events.add("begin " + run.step());
            }

            @Override
            public void onStep(RunExecution run, Stepper.StepResult result) {
                events.add("step " + run.step());
            }

            @Override
            public void onCheckpoint(RunExecution run) {
                events.add("checkpoint " + run.step());
            }

            @Override
            public void onEnd(RunExecution run, RunExecution.End end) {
                events.add("end " + end);
            }
        });

        execution.run();

        long total = (long) EPOCHS * IMAGES / BATCH;
        List<String> expected = new ArrayList<>(List.of("begin 0"));
        for (long step = 1; step <= total; step++) {
            if (step % 5 == 0 || step == total) {
                expected.add("checkpoint " + step); // made by the cadence listener, registered before this one
            }
            expected.add("step " + step);
        }
        expected.add("end COMPLETE");
        assertEquals(
                expected,
                events.stream().filter(event -> !event.startsWith("progress")).toList(),
                "the listener sees the start, every step once and in order, each checkpoint, and the end");
        assertTrue(
                events.indexOf("checkpoint " + total) < events.indexOf("progress " + total),
                "the last step's checkpoint comes before its progress: " + events);
    }

    @Test
    void workersNeverRunMoreThanTheWindowAhead() {
        ResolvedRun run = resolved(100);
        InMemoryViews views = new InMemoryViews(2);
        int window = 2;
        List<Integer> aheadAtPublish = new ArrayList<>();
        FakeWorkers workers = new FakeWorkers(views) {
            @Override
            public void publish(List<io.twinview.proto.v1.AugmentTask> tasks) {
                aheadAtPublish.add(published.size() + tasks.size());
                super.publish(tasks);
            }
        };
        RunExecution execution =
                execution(run, stepper(run), views, workers, new MemoryCheckpoints(), new ArrayList<>(), window);
        execution.run();
        assertEquals(window, aheadAtPublish.get(0), "the first publication fills exactly the window");
        int tasksPerEpoch = (IMAGES + 15) / 16;
        assertEquals(
                EPOCHS * tasksPerEpoch, workers.published.size(), "each task is published once when nothing is lost");
    }

    @Test
    void aSlowTrainerHoldsBackItsWorkers() {
        ResolvedRun run = resolved(100);
        InMemoryViews views = new InMemoryViews(2);
        FakeWorkers workers = new FakeWorkers(views);
        int window = 1;
        List<Long> inFlight = new ArrayList<>();
        RecordingStepper stepper = new RecordingStepper(stepper(run).learner) {
            @Override
            public StepResult step(PairBatch batch, double learningRate, long step, long totalSteps) {
                long published = workers.published.stream()
                        .mapToLong(t -> t.getSampleIndicesCount())
                        .sum();
                inFlight.add(published - (step - 1) * BATCH);
                return super.step(batch, learningRate, step, totalSteps);
            }
        };
        execution(run, stepper, views, workers, new MemoryCheckpoints(), new ArrayList<>(), window)
                .run();
        long bound = Math.max(2L * BATCH, window * 16L) + window * 16L; // buffered pairs + one open task
        assertTrue(
                inFlight.stream().allMatch(n -> n <= bound),
                "views published but not trained stay within " + bound + " however fast the workers are: " + inFlight);
    }

    @Test
    void duplicatesAndMalformedRecordsAreCountedAndSkipped() {
        ResolvedRun run = resolved(100);
        InMemoryViews views = new InMemoryViews(3);
        FakeWorkers workers = new FakeWorkers(views);
        workers.duplicateEvery = 3;
        workers.garbageEvery = 4;
        MemoryCheckpoints checkpoints = new MemoryCheckpoints();
        RecordingStepper stepper = stepper(run);
        List<RunProgress> progress = new ArrayList<>();

        RunExecution.Outcome outcome = execution(run, stepper, views, workers, checkpoints, progress, 4)
                .run();

        assertEquals(RunExecution.End.COMPLETE, outcome.end(), "garbage and duplicates do not stop training");
        timesTrained(stepper.samplesByStep.values())
                .forEach((sample, times) -> assertEquals(
                        EPOCHS, times, "duplicate records are dropped: sample " + sample + " trained once per epoch"));
        RunProgress last = progress.get(progress.size() - 1);
        assertTrue(last.getDuplicateBatches() > 0, "duplicates are counted");
        assertTrue(last.getRejectedBatches() > 0, "garbage records are counted");
        assertEquals(
                (double) last.getRejectedBatches(),
                checkpoints.byStep.lastEntry().getValue().manifest().getMetricsOrThrow("rejected_batches"),
                "the counts travel in the manifest");
    }

    @Test
    void unreadableSamplesCompleteTheirTasksAndAreCountedButNeverTrained() {
        ResolvedRun run = resolved(100);
        InMemoryViews views = new InMemoryViews(2);
        FakeWorkers workers = new FakeWorkers(views);
        workers.unreadableEvery = 4; // samples 0, 4, 8, ...: one or two per record of 5
        MemoryCheckpoints checkpoints = new MemoryCheckpoints();
        RecordingStepper stepper = stepper(run);
        List<RunProgress> progress = new ArrayList<>();

        RunExecution execution = execution(run, stepper, views, workers, checkpoints, progress, 4);
        RunExecution.Outcome outcome = execution.run();

        assertEquals(
                RunExecution.End.VIEWS_EXHAUSTED,
                outcome.end(),
                "a quarter of the samples have no pairs: the run ends short instead of waiting for them: "
                        + outcome.message());
        assertTrue(
                outcome.message().contains("unreadable"),
                "the message says samples were unreadable: " + outcome.message());
        Map<Long, Integer> counts = timesTrained(stepper.samplesByStep.values());
        counts.keySet()
                .forEach(sample -> assertTrue(sample % 4 != 0, "unreadable sample " + sample + " is never trained on"));
        counts.values().forEach(times -> assertTrue(times <= EPOCHS, "no sample is trained more than once per epoch"));
        assertEquals(
                0,
                progress.get(progress.size() - 1).getRejectedBatches(),
                "records with rejected samples are accepted, not counted as malformed");
        assertEquals(
                (double) EPOCHS * IMAGES / 4,
                checkpoints.byStep.lastEntry().getValue().manifest().getMetricsOrThrow("rejected_samples"),
                "every unreadable sample of every epoch is counted once, in the manifest");
        assertEquals(
                (long) EPOCHS * IMAGES / 4,
                execution.snapshot(RunState.RUN_STATE_FAILED).getRejectedSamples(),
                "and in the final progress WatchRun streams");
        assertEquals(
                run.totalTasks(),
                (long) workers.published.size(),
                "every task was published: the window reopened as tasks with rejected samples completed");
    }

    @Test
    void wrongShapeRecordsLoseTheirPairsButTheRunEnds() {
        ResolvedRun run = resolved(100);
        InMemoryViews views = new InMemoryViews(2);
        FakeWorkers workers = new FakeWorkers(views);
        workers.wrongShapeEvery = 7;
        RunExecution.Outcome outcome = execution(
                        run, stepper(run), views, workers, new MemoryCheckpoints(), new ArrayList<>(), 4)
                .run();
        assertTrue(
                outcome.end() == RunExecution.End.VIEWS_EXHAUSTED || outcome.end() == RunExecution.End.COMPLETE,
                "the run ends instead of waiting forever for pairs that were rejected: " + outcome.message());
    }

    @Test
    void aNonFiniteLossSkipsTheUpdateAndIsCounted() {
        ResolvedRun run = resolved(100);
        InMemoryViews views = new InMemoryViews(2);
        MemoryCheckpoints checkpoints = new MemoryCheckpoints();
        RecordingStepper stepper = stepper(run);
        stepper.nanAtStep = 3;
        execution(run, stepper, views, new FakeWorkers(views), checkpoints, new ArrayList<>(), 4)
                .run();
        Checkpoint last = checkpoints.byStep.lastEntry().getValue();
        assertEquals(1.0, last.manifest().getMetricsOrThrow("non_finite_steps"), "the NaN step is counted");
        assertTrue(Double.isFinite(last.manifest().getMetricsOrThrow("loss")), "a NaN never becomes the recorded loss");
    }

    @Test
    void aStateWithNaNIsNeverCheckpointed() {
        ResolvedRun run = resolved(2);
        InMemoryViews views = new InMemoryViews(2);
        MemoryCheckpoints checkpoints = new MemoryCheckpoints();
        RecordingStepper stepper = stepper(run);
        stepper.nonFiniteFromStep = 5;
        execution(run, stepper, views, new FakeWorkers(views), checkpoints, new ArrayList<>(), 4)
                .run();
        assertEquals(4L, checkpoints.byStep.lastKey(), "checkpoints at steps 2 and 4; none once the state holds a NaN");
    }

    /**
     * Two trainer processes, one after the other, over one views topic and one checkpoint store,
     * fed by workers that send duplicates.
     */
    private final class TwoProcesses {
        final ResolvedRun run = resolved(5);
        final InMemoryViews views = new InMemoryViews(3);
        final FakeWorkers workers = new FakeWorkers(views);
        final MemoryCheckpoints checkpoints = new MemoryCheckpoints();
        final RecordingStepper first = stepper(run);
        final RecordingStepper second = stepper(run);

        TwoProcesses() {
            workers.duplicateEvery = 5;
        }

        RunExecution process(RecordingStepper stepper) {
            return execution(run, stepper, views, workers, checkpoints, new ArrayList<>(), 3);
        }

        /** The second process, from the newest checkpoint to the last step. */
        RunExecution.Outcome resume() {
            RunExecution resumed = process(second);
            resumed.resumeFrom(checkpoints.byStep.lastEntry().getValue());
            RunExecution.Outcome outcome = resumed.run();
            assertEquals(RunExecution.End.COMPLETE, outcome.end(), outcome.message());
            assertEquals((long) EPOCHS * IMAGES / BATCH, outcome.finalStep(), "the next process reaches the last step");
            assertTrue(resumed.tally().duplicateBatches() > 0, "the workers' duplicates were dropped and counted");
            return outcome;
        }

        /** The first process's steps up to {@code keptUpTo} (the checkpoint) and all the second's. */
        void assertEachSampleOncePerEpoch(long keptUpTo, String across) {
            List<long[]> trained =
                    new ArrayList<>(first.samplesByStep.headMap(keptUpTo, true).values());
            trained.addAll(second.samplesByStep.values());
            Map<Long, Integer> counts = timesTrained(trained);
            assertEquals(IMAGES, counts.size(), "no sample is lost across the " + across);
            counts.forEach((sample, times) -> assertEquals(
                    EPOCHS,
                    times,
                    "sample " + sample + " is trained once per epoch across the " + across
                            + ", neither lost nor repeated"));
        }
    }

    @Test
    void resumeAfterACrashLosesNoPairAndRepeatsNone() {
        TwoProcesses processes = new TwoProcesses();
        processes.first.crashAtStep = 8; // dies after the checkpoint at step 5, losing steps 6 and 7
        RunExecution crashed = processes.process(processes.first);
        assertThrows(IllegalStateException.class, crashed::run, "the simulated crash propagates");
        assertEquals(5L, processes.checkpoints.byStep.lastKey(), "the newest checkpoint is step 5");

        processes.resume();

        assertEquals(6L, processes.second.samplesByStep.firstKey(), "training continues at step 6");
        processes.assertEachSampleOncePerEpoch(5, "crash");
    }

    @Test
    void aPreemptedRunCheckpointsItsStepAndTheNextProcessLosesNoPairAndRepeatsNone() {
        TwoProcesses processes = new TwoProcesses();
        RunExecution preempted = processes.process(processes.first);
        preempted.addListener(new RunListener() {
            @Override
            public void onStep(RunExecution execution, Stepper.StepResult result) {
                if (execution.step() == 7) {
                    execution.preempt(); // SIGTERM arrives during step 7
                }
            }
        });
        RunExecution.Outcome stopped = preempted.run();

        assertEquals(RunExecution.End.PREEMPTED, stopped.end(), stopped.message());
        assertEquals(7, stopped.finalStep(), "the step in progress finishes, no further one starts");
        assertEquals(
                List.of(5L, 7L),
                List.copyOf(processes.checkpoints.byStep.keySet()),
                "the cadence's checkpoint at 5, and one of the step it was preempted at");
        List<CheckpointEvent> events = processes.checkpoints.events;
        assertTrue(!events.get(events.size() - 1).getFinal(), "a preempted run's checkpoint is not its final one");

        processes.resume();

        assertEquals(8L, processes.second.samplesByStep.firstKey(), "the next process continues at step 8");
        processes.assertEachSampleOncePerEpoch(7, "preemption: no step of the first process is redone");
    }

    @Test
    void theInputWaitFractionIsTheShareOfLoopTimeSpentReadingViews() {
        ResolvedRun run = resolved(100);
        InMemoryViews views = new InMemoryViews(2);
        AtomicLong now = new AtomicLong();
        AtomicInteger polls = new AtomicInteger();
        ViewSource reader = views.reader();
        ViewSource slowViews = new ViewSource() {
            @Override
            public List<Integer> partitions() {
                return reader.partitions();
            }

            @Override
            public void seek(List<io.twinview.proto.v1.PartitionCursor> positions) {
                reader.seek(positions);
            }

            @Override
            public List<ViewRecord> poll(Duration timeout) {
                polls.incrementAndGet();
                now.addAndGet(30_000_000); // every read of the topic takes 30 ms
                return reader.poll(timeout);
            }

            @Override
            public void close() {}
        };
        RecordingStepper slowStepper = new RecordingStepper(learner(run)) {
            @Override
            public StepResult step(PairBatch batch, double learningRate, long step, long totalSteps) {
                now.addAndGet(10_000_000); // every step computes for 10 ms
                return super.step(batch, learningRate, step, totalSteps);
            }
        };
        List<RunProgress> progress = new ArrayList<>();
        RunExecution execution = execution(
                run, slowStepper, slowViews, new FakeWorkers(views), new MemoryCheckpoints(), progress, 2, now::get);

        execution.run();

        long steps = (long) EPOCHS * IMAGES / BATCH;
        double waited = 30.0 * polls.get();
        double expected = waited / (waited + 10.0 * steps);
        assertEquals(
                expected,
                execution.loopTime().inputWaitFraction(),
                1e-9,
                polls.get() + " reads of 30 ms against " + steps + " steps of 10 ms");
        assertEquals(
                expected,
                progress.get(progress.size() - 1).getInputWaitFraction(),
                1e-9,
                "WatchRun carries the fraction to the client");
        assertEquals(10_000_000, execution.loopTime().lastStep().computeNanos(), "a step's compute is its own");
    }
}
