package io.twinview.trainer.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.twinview.core.retry.Waits;
import io.twinview.proto.v1.AugmentTask;
import io.twinview.proto.v1.ProjectorSpec;
import io.twinview.proto.v1.RunProgress;
import io.twinview.proto.v1.RunSpec;
import io.twinview.proto.v1.RunState;
import io.twinview.proto.v1.SimClrSettings;
import io.twinview.trainer.train.Learner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A run whose workers all die says it is waiting for workers, republishes with backoff instead of
 * on every stall timeout, and finishes once a worker joins again. The loop against in-memory
 * Kafka and storage, a probe the test answers, a clock the loop moves, a real (tiny) learner.
 */
class WaitingForWorkersTest {

    private static final long MS = 1_000_000;

    /** Workers that die after {@code aliveFor} tasks: tasks published then are lost, until they return. */
    private static final class MortalWorkers extends FakeWorkers {
        boolean alive = true;
        int aliveFor;
        final List<Long> lostPublications = new ArrayList<>();
        final AtomicLong clock;

        MortalWorkers(InMemoryViews views, int aliveFor, AtomicLong clock) {
            super(views);
            this.aliveFor = aliveFor;
            this.clock = clock;
        }

        @Override
        public void publish(List<AugmentTask> tasks) {
            if (alive && published.size() + tasks.size() > aliveFor) {
                alive = false; // every worker is SIGKILLed with these tasks in hand
            }
            if (alive) {
                super.publish(tasks);
            } else {
                lostPublications.add(clock.get());
            }
        }
    }

    @Test
    void aRunWhoseWorkersAllDieWaitsForWorkersAndFinishesWhenOneReturns() {
        RunSpec requested = RunSpec.newBuilder()
                .setDatasetUri("synthetic:?n=32&size=8")
                .setEpochs(1)
                .setBatchSize(8)
                .setSamplesPerTask(8)
                .setSimclr(SimClrSettings.newBuilder()
                        .setProjector(
                                ProjectorSpec.newBuilder().setHiddenDim(16).setOutputDim(8)))
                .build();
        ResolvedRun run = RunSpecs.resolve(requested);
        InMemoryViews views = new InMemoryViews(2);
        AtomicLong clock = new AtomicLong();
        MortalWorkers workers = new MortalWorkers(views, 2, clock);
        Waits waits = new Waits();
        Duration stall = Duration.ofSeconds(10);
        List<RunProgress> whileWaiting = new ArrayList<>();
        try (Learner learner = new Learner(RunSpecs.learnerConfig(run.spec(), Device.cpu()))) {
            RunExecution[] execution = new RunExecution[1];
            // the clock moves 50 ms each time the loop reads it: a poll that waits for views
            execution[0] = new RunExecution(
                    "run",
                    run,
                    "views",
                    learner,
                    new TaskPlan("run", run, "views", 4),
                    views.reader(),
                    workers,
                    new MemoryCheckpoints(),
                    progress -> {},
                    new RunExecution.Settings(2, stall, Duration.ZERO),
                    () -> clock.addAndGet(50 * MS));
            execution[0].reportWaits(waits);
            int[] probes = {0};
            execution[0].probeWorkers(new WorkerProbe() {
                @Override
                public OptionalInt members() {
                    probes[0]++;
                    if (!workers.alive && clock.get() > 10 * 60_000 * MS) {
                        workers.alive = true; // after ten minutes a worker starts again and joins the group
                        workers.aliveFor = Integer.MAX_VALUE;
                    }
                    if (probes[0] > 1 && !workers.alive) {
                        whileWaiting.add(execution[0].snapshot(RunState.RUN_STATE_RUNNING));
                    }
                    return OptionalInt.of(workers.alive ? 1 : 0);
                }

                @Override
                public String describe() {
                    return "consumer group 'twinview-augment'";
                }
            });

            RunExecution.Outcome outcome = execution[0].run();

            assertEquals(
                    RunExecution.End.COMPLETE,
                    outcome.end(),
                    "the run finishes once a worker returns: " + outcome.message());
            assertEquals(4, outcome.finalStep(), "every step of the run trained");
            assertFalse(whileWaiting.isEmpty(), "the run was seen waiting");
            RunProgress waiting = whileWaiting.get(whileWaiting.size() - 1);
            assertEquals("workers", waiting.getWaitingFor(), "the progress says what the run waits for");
            assertTrue(
                    waiting.getMessage().contains("waiting for workers")
                            && waiting.getMessage().contains("twinview-augment"),
                    "and its message says so, naming the group: " + waiting.getMessage());
            long lostInTenMinutes = workers.lostPublications.size();
            assertTrue(
                    lostInTenMinutes >= 4 && lostInTenMinutes <= 14,
                    "in ten minutes without workers the open tasks went out again with backoff (5 s doubling to"
                            + " 5 min: about 8 times), not on every 10 s stall timeout (60 times): "
                            + lostInTenMinutes);
            assertFalse(waits.waiting(Waits.WORKERS), "the wait ended with the run");
        }
    }
}
