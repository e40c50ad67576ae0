package io.twinview.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code twinview data ...}: getting datasets onto this machine. */
@Command(
        name = "data",
        mixinStandardHelpOptions = true,
        description = "Datasets: fetch the official archives.",
        subcommands = DataCommand.Fetch.class)
final class DataCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code twinview data fetch cifar10|cifar100|stl10 DIR}. */
    @Command(
            name = "fetch",
            mixinStandardHelpOptions = true,
            description = {
                "Download an official dataset archive, check its MD5, and extract it into DIR so that it opens as",
                "cifar10:DIR, cifar100:DIR or stl10:DIR. An interrupted download resumes; DIR appears only once complete."
            })
    static final class Fetch implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", description = "cifar10 (162 MB), cifar100 (161 MB) or stl10 (2.6 GB)")
        String dataset;

        @Parameters(index = "1", description = "folder to create (must not exist, or be empty)")
        Path dir;

        @Option(
                names = "--base-url",
                description = "where the archive is instead of the official address"
                        + " (a mirror; the archive's file name is appended)")
        String baseUrl;

        @Option(
                names = "--md5",
                description = "the archive's expected MD5 instead of the published one (a repackaged mirror)")
        String md5;

        @Option(
                names = "--connect-timeout-s",
                defaultValue = "20",
                description = "seconds to wait for a connection (default: ${DEFAULT-VALUE})")
        int connectTimeoutSeconds;

        @Override
        public Integer call() {
            CommandLine cl = spec.commandLine();
            DatasetFetcher.Source source =
                    DatasetFetcher.Source.of(dataset); // IllegalArgumentException: exit 2 with its message
            if (md5 != null && !md5.matches("[0-9a-fA-F]{32}")) {
                throw new IllegalArgumentException("--md5 '" + md5 + "' is not 32 hex digits");
            }
            try {
                new DatasetFetcher(cl.getOut(), Duration.ofSeconds(Math.max(1, connectTimeoutSeconds)))
                        .fetch(source, dir, baseUrl, md5);
                cl.getOut().flush();
                return 0;
            } catch (DatasetFetcher.FetchException e) {
                cl.getOut().flush();
                cl.getErr().println("twinview data fetch: " + e.getMessage());
                cl.getErr().flush();
                return 1;
            }
        }
    }
}
