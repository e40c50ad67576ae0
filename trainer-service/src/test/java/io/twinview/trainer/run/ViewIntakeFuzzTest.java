package io.twinview.trainer.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.twinview.trainer.train.PairBatch;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * Coverage-guided fuzzing (Jazzer) of the ViewBatch checks: any bytes on the views topic are
 * either a record of the plan (its pairs queued for training) or counted as rejected or
 * duplicate; nothing throws, and only samples of the plan ever reach a training batch. Seeds
 * (serialised ViewBatches, good and forged) in
 * {@code src/test/resources/io/twinview/trainer/run/ViewIntakeFuzzTestInputs/handle/}.
 */
class ViewIntakeFuzzTest {

    @FuzzTest(maxDuration = "10s")
    void handle(byte[] data) {
        TaskPlan plan = new TaskPlan("r", ViewBatchesTest.RUN, "views", 3);
        BatchAssembler assembler =
                new BatchAssembler(1, 8, 8, plan, new SampleTally(ViewBatchesTest.RUN.datasetSize()));
        TaskWindow window = new TaskWindow(plan, tasks -> {}, 100, Duration.ofMinutes(5), 0, assembler::frontierTask);
        window.publish();
        RunCounters counters = new RunCounters();
        ViewIntake intake = new ViewIntake("r", "views", 8, plan, window, assembler, counters, () -> 0L);

        intake.handle(new ViewRecord(0, 7, data));

        Set<Long> planned = new HashSet<>();
        for (long taskId = 0; taskId < plan.totalTasks(); taskId++) {
            plan.task(taskId).getSampleIndicesList().forEach(planned::add);
        }
        long pairs = assembler.available();
        while (assembler.hasBatch()) {
            PairBatch batch = assembler.take();
            for (long sample : batch.samples()) {
                assertTrue(planned.contains(sample), "only samples of the plan are trained: " + sample);
            }
        }
        assertTrue(pairs <= 3, "one record brings at most max_samples_per_batch pairs: " + pairs);
        if (pairs > 0) {
            assertEquals(0, counters.rejectedBatches(), "a record whose pairs are queued is not also rejected");
        }
    }
}
