package io.twinview.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.twinview.proto.v1.RunSpec;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class RunFlagsTest {

    @Test
    void relativeCifarDirectoriesAreMadeAbsoluteForTheServices() {
        String cwd = Path.of("").toAbsolutePath().normalize().toString();
        assertEquals("cifar10:" + Path.of(cwd).resolve("data/c").normalize() + "?batches=1-4",
                RunFlags.absolute("cifar10:data/c?batches=1-4"), "resolved against the user's directory");
        assertEquals("cifar10:/abs/dir", RunFlags.absolute("cifar10:/abs/dir"), "absolute paths stay");
        assertEquals("synthetic:?n=10", RunFlags.absolute("synthetic:?n=10"), "other schemes are untouched");
    }

    @Test
    void onlyGivenFlagsAreSetSoTheTrainerFillsTheRest() {
        RunFlags flags = new RunFlags();
        new CommandLine(flags).parseArgs("--dataset", "synthetic:?n=64", "--batch-size", "0", "--encoder", "resnet18");
        RunSpec spec = flags.toSpec("ignored", null);
        assertEquals("synthetic:?n=64", spec.getDatasetUri());
        assertEquals(0, spec.getBatchSize(), "an explicit 0 is sent, so the trainer can refuse it by name");
        assertEquals(true, spec.hasBatchSize(), "presence is kept");
        assertFalse(spec.hasEpochs(), "epochs not given: left for the trainer's default");
        assertEquals("resnet18", spec.getEncoder());
    }
}
