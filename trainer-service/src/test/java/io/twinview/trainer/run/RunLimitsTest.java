package io.twinview.trainer.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.core.data.DatasetLimits;
import io.twinview.core.data.DatasetPolicy;
import io.twinview.core.data.DatasetRoots;
import io.twinview.proto.v1.RunSpec;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every size a RunSpec controls stops at its configured bound, named in the error with the setting. */
class RunLimitsTest {

    private static final RunLimits SMALL = new RunLimits(10, 64, 64L * 32 * 32, 64, 100, 1024, Duration.ZERO);

    private static InvalidRunSpecException invalid(RunSpec.Builder spec, RunLimits limits) {
        return assertThrows(
                InvalidRunSpecException.class,
                () -> RunSpecs.resolve(spec.build(), null, DatasetPolicy.OPEN, limits),
                spec + " must be refused");
    }

    @Test
    void eachBoundNamesTheFieldTheValueAndTheSetting() {
        RunSpec.Builder synthetic = RunSpec.newBuilder()
                .setDatasetUri("synthetic:?n=512")
                .setEpochs(2)
                .setBatchSize(16);
        assertEquals(
                "epochs = 11 is not valid: 1..10 (twinview.trainer.limits.max-epochs)",
                invalid(synthetic.clone().setEpochs(11), SMALL).getMessage());
        assertEquals(
                "batch_size = 65 is not valid: 1..64 (twinview.trainer.limits.max-batch-size)",
                invalid(synthetic.clone().setBatchSize(65), SMALL).getMessage());
        InvalidRunSpecException size = invalid(synthetic.clone().setImageSize(65), SMALL);
        assertTrue(size.getMessage().startsWith("image_size = 65 is not valid: 8..64 pixels"), size.getMessage());
        InvalidRunSpecException pixels =
                invalid(synthetic.clone().setImageSize(64).setBatchSize(32), SMALL);
        assertEquals("batch_size", pixels.field());
        assertTrue(
                pixels.getMessage().contains("at image_size 64, batch_size at most 16"),
                "says what batch fits: " + pixels.getMessage());
        InvalidRunSpecException perTask =
                invalid(synthetic.clone().setBatchSize(32).setSamplesPerTask(101), SMALL);
        assertEquals(
                "samples_per_task = 101 is not valid: 1..100 (twinview.trainer.limits.max-samples-per-task)",
                perTask.getMessage());
    }

    @Test
    void unsetSamplesPerTaskShrinksToTheBufferBound() {
        ResolvedRun run = RunSpecs.resolve(
                RunSpec.newBuilder()
                        .setDatasetUri("synthetic:?n=512&size=64")
                        .setEpochs(2)
                        .setBatchSize(16)
                        .build(),
                null,
                DatasetPolicy.OPEN,
                SMALL);
        assertEquals(16, run.spec().getSamplesPerTask(), "64 x 32^2 pixels hold 16 samples of 64 px");
    }

    @Test
    void datasetsOutsideThePolicysRootsAreRefusedWithTheirUri() {
        DatasetPolicy policy = new DatasetPolicy(DatasetRoots.of(List.of("/data"), "twinview"), DatasetLimits.DEFAULTS);
        InvalidRunSpecException e = assertThrows(
                InvalidRunSpecException.class,
                () -> RunSpecs.resolve(
                        RunSpec.newBuilder().setDatasetUri("cifar10:/etc").build(), null, policy, RunLimits.DEFAULTS));
        assertEquals("dataset_uri", e.field());
        assertTrue(
                e.getMessage()
                                .startsWith("dataset_uri = 'cifar10:/etc' is not valid: dataset URI 'cifar10:/etc' is"
                                        + " not allowed")
                        && e.getMessage().endsWith("allowed roots: /data (twinview.datasets.roots)"),
                e.getMessage());
    }

    @Test
    void theLimitsThemselvesAreChecked() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new RunLimits(1, 1, 1, 1024, 1, 1, Duration.ZERO));
        assertEquals("twinview.trainer.limits.max-image-size = 1024 is not valid: allowed 8..512", e.getMessage());
    }
}
