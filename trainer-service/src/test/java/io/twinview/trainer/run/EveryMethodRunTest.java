package io.twinview.trainer.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.twinview.core.checkpoint.Checkpoint;
import io.twinview.proto.v1.RunSpec;
import io.twinview.trainer.method.MethodFixtures;
import io.twinview.trainer.method.Methods;
import io.twinview.trainer.train.Learner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every registered method through the run loop (in-memory Kafka and storage, a real DJL learner):
 * it trains, checkpoints, dies, resumes from its checkpoint, and finishes with every pair trained
 * once per epoch.
 */
class EveryMethodRunTest {

    static Stream<String> methods() {
        return Methods.keys().stream();
    }

    private static ResolvedRun resolved(String method) {
        RunSpec.Builder spec = RunSpec.newBuilder()
                .setDatasetUri("synthetic:?n=64&size=16")
                .setEpochs(2)
                .setBatchSize(16)
                .setSamplesPerTask(16)
                .setCheckpointEverySteps(3);
        return RunSpecs.resolve(
                MethodFixtures.smallHeads(spec, method, 32, 32, 16, 64).build());
    }

    private static RunExecutionTest.RecordingStepper stepper(ResolvedRun run, List<Learner> learners) {
        Learner learner = new Learner(RunSpecs.learnerConfig(run.spec(), Device.cpu()));
        learners.add(learner);
        return new RunExecutionTest.RecordingStepper(learner);
    }

    private static RunExecution execution(
            ResolvedRun run,
            RunExecutionTest.RecordingStepper stepper,
            InMemoryViews views,
            FakeWorkers workers,
            MemoryCheckpoints checkpoints) {
        AtomicLong clock = new AtomicLong();
        return new RunExecution(
                "run",
                run,
                "views",
                stepper,
                new TaskPlan("run", run, "views", 5),
                views.reader(),
                workers,
                checkpoints,
                progress -> {},
                new RunExecution.Settings(2, Duration.ofMinutes(5), Duration.ZERO),
                () -> clock.addAndGet(1_000_000));
    }

    @ParameterizedTest
    @MethodSource("methods")
    void trainsCheckpointsAndResumes(String method) {
        List<Learner> learners = new ArrayList<>();
        try {
            ResolvedRun run = resolved(method);
            InMemoryViews views = new InMemoryViews(2);
            FakeWorkers workers = new FakeWorkers(views);
            MemoryCheckpoints checkpoints = new MemoryCheckpoints();

            RunExecutionTest.RecordingStepper first = stepper(run, learners);
            first.crashAtStep = 5;
            assertThrows(
                    IllegalStateException.class,
                    execution(run, first, views, workers, checkpoints)::run,
                    method + ": the simulated crash propagates");
            Checkpoint checkpoint = checkpoints.byStep.lastEntry().getValue();
            assertEquals(3, checkpoint.manifest().getStep(), method + ": checkpointed at step 3");
            assertTrue(
                    checkpoint.manifest().getMonitors().getEmbeddingDim() > 0,
                    method + ": the checkpoint carries collapse monitors");

            RunExecutionTest.RecordingStepper second = stepper(run, learners);
            RunExecution resumed = execution(run, second, views, workers, checkpoints);
            resumed.resumeFrom(checkpoint);
            RunExecution.Outcome outcome = resumed.run();
            assertEquals(RunExecution.End.COMPLETE, outcome.end(), method + ": " + outcome.message());
            assertEquals(8, outcome.finalStep(), method + ": 2 epochs x 64 / 16 steps");

            Map<Long, Integer> counts = new HashMap<>();
            first.samplesByStep.forEach((step, samples) -> {
                if (step <= 3) {
                    for (long sample : samples) {
                        counts.merge(sample, 1, Integer::sum);
                    }
                }
            });
            second.samplesByStep.values().forEach(samples -> {
                for (long sample : samples) {
                    counts.merge(sample, 1, Integer::sum);
                }
            });
            assertEquals(64, counts.size(), method + ": every sample trained");
            counts.forEach((sample, times) ->
                    assertEquals(2, times, method + ": sample " + sample + " once per epoch across the crash"));
            assertTrue(
                    Double.isFinite(
                            checkpoints.byStep.lastEntry().getValue().manifest().getMetricsOrThrow("loss")),
                    method + ": a finite loss at the end");
        } finally {
            learners.forEach(Learner::close);
        }
    }
}
