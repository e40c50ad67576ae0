package io.twinview.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A program of this machine (kubectl, podman) run to its end, its output kept and its failure named. */
final class HostCommand {

    private final List<String> command = new ArrayList<>();
    private final Map<String, String> environment;
    private byte[] input;

    private HostCommand(List<String> command, Map<String, String> environment) {
        this.command.addAll(command);
        this.environment = environment;
    }

    static HostCommand of(Map<String, String> environment, String... command) {
        return new HostCommand(List.of(command), environment);
    }

    HostCommand stdin(String text) {
        this.input = text.getBytes(StandardCharsets.UTF_8);
        return this;
    }

    /** Whether {@code program} is on the PATH. */
    static boolean onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Path.of(dir, program).toFile().canExecute()) {
                return true;
            }
        }
        return false;
    }

    /** Its exit code and output; it fails only when the program cannot start or outlives {@code timeout}. */
    Result run(Duration timeout) {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(environment);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        }
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
        try (var stdin = process.getOutputStream()) {
            if (input != null) {
                stdin.write(input);
            }
        } catch (IOException e) {
            // the program closed its input early: its exit code says what went wrong
        }
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish within " + timeout);
            }
            return new Result(String.join(" ", command), process.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command.get(0), e);
        }
    }

    /** Its output; a non-zero exit fails naming the command and its error output. */
    String output(Duration timeout) {
        return run(timeout).orThrow().stdout();
    }

    private static String read(InputStream stream) {
        try (stream) {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    record Result(String command, int exitCode, String stdout, String stderr) {

        boolean ok() {
            return exitCode == 0;
        }

        Result orThrow() {
            if (!ok()) {
                throw new IllegalStateException(command + " failed (exit " + exitCode + "): " + stderr.strip());
            }
            return this;
        }
    }
}
