package io.twinview.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.twinview.proto.v1.RunSpec;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class RunFlagsTest {

    @Test
    void relativeCifarDirectoriesAreMadeAbsoluteForTheServices() {
        String cwd = Path.of("").toAbsolutePath().normalize().toString();
        assertEquals(
                "cifar10:" + Path.of(cwd).resolve("data/c").normalize() + "?batches=1-4",
                RunFlags.absolute("cifar10:data/c?batches=1-4"),
                "resolved against the user's directory");
        assertEquals("cifar10:/abs/dir", RunFlags.absolute("cifar10:/abs/dir"), "absolute paths stay");
        assertEquals("synthetic:?n=10", RunFlags.absolute("synthetic:?n=10"), "other schemes are untouched");
        assertEquals(
                "cifar10:s3://datasets/cifar10-subset?batches=1-4",
                RunFlags.absolute("cifar10:s3://datasets/cifar10-subset?batches=1-4"),
                "an object storage path is not a directory: the services mirror it with their storage settings");
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

    @Test
    void setReachesAnyRunSpecFieldAfterTheFlags() {
        RunFlags flags = new RunFlags();
        new CommandLine(flags)
                .parseArgs(
                        "--dataset",
                        "synthetic:?n=64",
                        "--lr",
                        "0.1",
                        "--set",
                        "byol.tau_base=0.99",
                        "--set",
                        "optimizer.learning_rate=0.06",
                        "--set",
                        "optimizer.name=sgd");
        RunSpec spec = flags.toSpec("ignored", null);
        assertEquals(0.99, spec.getByol().getTauBase(), "a method's own setting is set");
        assertEquals("sgd", spec.getOptimizer().getName());
        assertEquals(0.06, spec.getOptimizer().getLearningRate(), "--set applies after --lr, so it wins");
    }

    @Test
    void aSetOfAFieldThatDoesNotExistIsRefusedByName() {
        RunFlags flags = new RunFlags();
        new CommandLine(flags).parseArgs("--set", "byol.tau=0.99");
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> flags.toSpec("synthetic:", null));
        assertTrue(e.getMessage().contains("'tau'") && e.getMessage().contains("tau_base"), e.getMessage());
    }

    @Test
    void initialWeightsAreAFileResolvedAgainstTheUsersDirectory() {
        RunFlags flags = new RunFlags();
        new CommandLine(flags).parseArgs("--initial-weights", "exports/r18.safetensors");
        assertEquals(
                Path.of("exports/r18.safetensors").toAbsolutePath().normalize().toString(),
                flags.toSpec("synthetic:?n=64", null).getInitialWeights(),
                "a relative file is resolved here: the trainer runs in another directory");

        RunFlags viaSet = new RunFlags();
        new CommandLine(viaSet).parseArgs("--set", "initial_weights=exports/r18.safetensors");
        assertEquals(
                Path.of("exports/r18.safetensors").toAbsolutePath().normalize().toString(),
                viaSet.toSpec("synthetic:?n=64", null).getInitialWeights(),
                "--set initial_weights=FILE is resolved the same way");

        RunFlags object = new RunFlags();
        new CommandLine(object).parseArgs("--initial-weights", "s3://weights/r18.safetensors");
        assertEquals(
                "s3://weights/r18.safetensors",
                object.toSpec("synthetic:?n=64", null).getInitialWeights(),
                "an object stays as given");
        assertEquals("", new RunFlags().toSpec("synthetic:?n=64", null).getInitialWeights(), "none given: random init");
    }
}
