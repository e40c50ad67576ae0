package io.twinview.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Starts the pipeline on its fixed ports and keeps it in the foreground until Ctrl-C. */
@Command(
        name = "up",
        mixinStandardHelpOptions = true,
        description = "Start Kafka, S3 and the three services on fixed ports; Ctrl-C stops them. "
                + "Data persists in .twinview/up; a run left unfinished resumes.")
final class UpCommand implements Callable<Integer> {

    @Override
    public Integer call() throws InterruptedException {
        Console console = new Console(false);
        Path work = TwinviewCli.home().resolve(".twinview/up");
        Pipeline.Options options =
                new Pipeline.Options(TwinviewCli.home(), work, Pipeline.PortPlan.DEFAULT, 0, 0, 0, true);
        try (Pipeline pipeline = Pipeline.start(options, console)) {
            console.info("twinview is up. In another terminal:");
            console.info("  ./twinview train --dataset synthetic:?n=4096 --epochs 10");
            console.info("  ./twinview eval --run-id <id>");
            console.info("  (they find the token and certificate under .twinview/up; other clients:"
                    + " --tls-ca .twinview/up/grpc/server.crt --token-file .twinview/up/token)");
            console.info("S3 keys for your own uploads (new on every start): " + work.resolve("s3/s3proxy.properties"));
            console.info("Ctrl-C stops everything.");
            while (true) {
                for (String name : new String[] {"trainer-service", "eval-service", "augment-service"}) {
                    var service = pipeline.service(name);
                    if (!service.isAlive()) {
                        console.error(name + " exited (" + service.exitCode() + "); its log: " + service.logFile()
                                + System.lineSeparator() + service.logTail(20));
                        return 1;
                    }
                }
                Thread.sleep(1000);
            }
        }
    }
}
