package io.twinview.cli;

import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./twinview}: the whole pipeline on one machine, and a client of a running one. */
@Command(
        name = "twinview",
        mixinStandardHelpOptions = true,
        version = "twinview 0.1.0",
        description = "Self-supervised visual representation learning as a microservice pipeline.",
        subcommands = {
            DemoCommand.class,
            UpCommand.class,
            TrainCommand.class,
            EvalCommand.class,
            CancelCommand.class,
            RunsCommand.class,
            EmbedCommand.class,
            PreviewCommand.class,
            DataCommand.class,
            K8sCommand.class,
            ExportCommand.class
        })
public final class TwinviewCli implements Runnable {

    /** The checkout the services were built in: set by the ./twinview script. */
    static Path home() {
        return Path.of(System.getProperty("twinview.home", "."))
                .toAbsolutePath()
                .normalize();
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        // libraries (gRPC, Kafka clients, the stack) log through java.util.logging: keep the console for the user
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        System.exit(new CommandLine(new TwinviewCli())
                .setExecutionExceptionHandler((e, commandLine, parsed) -> {
                    if (!(e instanceof IllegalArgumentException)) {
                        throw e;
                    }
                    commandLine.getErr().println("twinview: " + e.getMessage()); // a bad setting: its message names it
                    return 2;
                })
                .execute(args));
    }
}
