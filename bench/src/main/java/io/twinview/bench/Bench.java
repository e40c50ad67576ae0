package io.twinview.bench;

import io.twinview.trainer.run.InvalidRunSpecException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./twinview bench ...}: benchmarks that print figures. */
@Command(
        name = "twinview bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks that print figures (never timed tests).",
        subcommands = {
            TrainerBench.class,
            SslBench.class,
            AugmentBench.class,
            WorkersBench.class,
            ChaosBench.class,
            EmbedBench.class
        })
public final class Bench implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        System.exit(new CommandLine(new Bench())
                .setExecutionExceptionHandler((e, commandLine, parsed) -> {
                    if (!(e instanceof IllegalArgumentException || e instanceof InvalidRunSpecException)) {
                        throw e;
                    }
                    commandLine.getErr().println("twinview: " + e.getMessage()); // a bad setting: its message names it
                    return 2;
                })
                .execute(args));
    }
}
