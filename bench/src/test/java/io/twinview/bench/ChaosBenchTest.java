package io.twinview.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The flags of {@code ./twinview bench chaos} become a run's settings, or an error naming the flag and value. */
class ChaosBenchTest {

    @Test
    void theShortScheduleTrains64StepsWithACheckpointEvery8() {
        ChaosRun.Settings settings = new ChaosBench().settings(ChaosSchedule.Length.SHORT, Path.of("work"));
        assertEquals("synthetic:?n=512&seed=11", settings.dataset(), "the CI run's images");
        assertEquals(64, settings.epochs() * settings.datasetSize() / settings.batchSize(), "64 steps");
        assertEquals(8, settings.checkpointEvery(), "about 8 checkpoints");
    }

    @Test
    void aDatasetThatIsNoMultipleOfTheBatchIsRefused() {
        ChaosBench bench = new ChaosBench();
        bench.dataset = "synthetic:?n=100";
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> bench.settings(ChaosSchedule.Length.SHORT, Path.of("work")));
        assertTrue(e.getMessage().startsWith("--dataset must hold a multiple of 32"), e.getMessage());
        assertTrue(e.getMessage().endsWith("synthetic:?n=100 holds 100"), e.getMessage());
    }

    @Test
    void tooFewStepsForTheFiveFaultsAreRefused() {
        ChaosBench bench = new ChaosBench();
        bench.epochs = 1;
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> bench.settings(ChaosSchedule.Length.SHORT, Path.of("work")));
        assertTrue(e.getMessage().startsWith("--epochs and --dataset give 16 steps"), e.getMessage());
    }
}
