package io.twinview.trainer.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.proto.v1.AugmentTask;
import io.twinview.proto.v1.RunSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The publishing window against a sink that records each publication and a clock the test moves. */
class TaskWindowTest {

    private static final Duration STALL = Duration.ofSeconds(30);

    /** 32 images, 8 per task, records of at most 4 samples: 4 tasks of 2 records per epoch, 2 epochs. */
    private static final ResolvedRun RUN = RunSpecs.resolve(RunSpec.newBuilder()
            .setDatasetUri("synthetic:?n=32&size=8")
            .setEpochs(2)
            .setBatchSize(8)
            .setSamplesPerTask(8)
            .build());

    private final List<List<Long>> publications = new ArrayList<>();
    /** The task the ordered pair stream waits for: tasks complete in order here. */
    private long frontier;

    private final TaskWindow window = new TaskWindow(
            new TaskPlan("r", RUN, "views", 4),
            tasks -> publications.add(tasks.stream().map(AugmentTask::getTaskId).toList()),
            2,
            STALL,
            0,
            () -> frontier);

    private void complete(long taskId) {
        window.ledger().accept(taskId, 0, 2);
        window.ledger().accept(taskId, 1, 2);
        frontier = Math.max(frontier, taskId + 1);
    }

    @Test
    void publishesUpToTheWindowAndOneMoreForEachCompletedTask() {
        window.publish();
        assertEquals(List.of(List.of(0L, 1L)), publications, "the first publication fills the window, in one call");
        window.publish();
        assertEquals(1, publications.size(), "a full window publishes nothing");
        window.ledger().accept(0, 0, 2);
        window.publish();
        assertEquals(1, publications.size(), "a task half arrived still holds its credit");
        complete(0);
        window.publish();
        assertEquals(List.of(2L), publications.get(1), "a completed task frees one place");
    }

    @Test
    void publishesNothingAWindowAheadOfTheTaskTheStreamWaitsFor() {
        window.publish();
        window.ledger().accept(1, 0, 2);
        window.ledger().accept(1, 1, 2); // task 1 complete, task 0 not: the stream still waits for task 0
        window.publish();
        assertEquals(
                1,
                publications.size(),
                "task 2 would be a window ahead of task 0: the records held for order stay within the window");
        complete(0);
        frontier = 2; // tasks 0 and 1 are in: the stream waits for task 2
        window.publish();
        assertEquals(List.of(2L, 3L), publications.get(1), "once task 0 is in, both places open");
    }

    @Test
    void isExhaustedOnlyWhenEveryTaskIsPublishedAndComplete() {
        long total = RUN.totalTasks();
        assertEquals(8, total);
        for (long taskId = 0; taskId < total; taskId++) {
            window.publish();
            assertFalse(window.exhausted(), "task " + taskId + " is open or unpublished");
            complete(taskId);
        }
        window.publish();
        assertTrue(window.exhausted(), "all " + total + " tasks published and complete");
        assertEquals(total, publications.stream().mapToLong(List::size).sum(), "each task published once");
    }

    @Test
    void offersTheOpenTasksAgainAfterTheStallTimeoutOfSilence() {
        long second = STALL.toNanos() / 30;
        assertTrue(window.stalled(STALL.toNanos() * 2).isEmpty(), "nothing published, nothing open: not a stall");
        window.publish();
        complete(0);
        assertTrue(window.stalled(STALL.toNanos() - 1).isEmpty(), "silent for less than the timeout");
        window.active(10 * second);
        assertTrue(
                window.stalled(STALL.toNanos() + 5 * second).isEmpty(), "a record or a step starts the timeout over");
        long stalledAt = STALL.toNanos() + 10 * second;
        List<AugmentTask> again = window.stalled(stalledAt).orElseThrow();
        assertEquals(
                List.of(1L),
                again.stream().map(AugmentTask::getTaskId).toList(),
                "the open task, not the complete one");
        assertEquals(1, publications.size(), "stalled only offers: nothing is published yet");

        window.republish(again, stalledAt);
        assertEquals(List.of(1L), publications.get(1), "republished in one call");
        assertTrue(window.stalled(stalledAt + STALL.toNanos() - 1).isEmpty(), "republishing starts the timeout over");
        assertEquals(
                List.of(1L),
                window.stalled(stalledAt + STALL.toNanos()).orElseThrow().stream()
                        .map(AugmentTask::getTaskId)
                        .toList(),
                "and a second silence offers it again");
    }
}
