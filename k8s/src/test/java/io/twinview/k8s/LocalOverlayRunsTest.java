package io.twinview.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.twinview.cli.TwinviewCli;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The dev overlay runs: {@code ./twinview k8s up} renders {@code k8s/overlays/local} (dev plus the host
 * network) and plays it with podman from the rendered manifests, every readiness probe passes, a short
 * SimCLR run trains through the deployed trainer, workers, Kafka and S3 and is evaluated by the deployed
 * eval-service over gRPC, the services' metrics are scraped, and {@code ./twinview k8s down} removes it.
 * Each step goes through the CLI's own commands, as a person would type them.
 *
 * <p>Needs the images of {@code ./twinview images} (the images module's test builds them earlier in the
 * same build; when they are missing this test builds them with {@code images/build.sh}). Skips, saying
 * why, without podman, runc or kubectl, or with {@code -Dtwinview.images.skip=true}.
 */
class LocalOverlayRunsTest {

    private static final List<String> IMAGES = List.of("augment", "trainer", "eval", "kafka", "s3proxy");

    @Test
    void theDevOverlayTrainsAndEvaluatesARunUnderPodman() throws Exception {
        for (String tool : List.of("podman", "runc", "kubectl")) {
            assumeTrue(
                    onPath(tool),
                    tool + " is not on the PATH: the manifests cannot be run here (.ci/run installs"
                            + " podman and runc where it can)");
        }
        assumeTrue(
                !Boolean.getBoolean("twinview.images.skip"), "-Dtwinview.images.skip=true: no images, nothing to run");
        Path root = Places.repositoryRoot();
        System.setProperty("twinview.home", root.toString());
        buildMissingImages(root);

        long start = System.nanoTime();
        try {
            Output up = cli("k8s", "up", "--timeout", "600");
            assertEquals(0, up.exitCode(), "k8s up must bring every pod to ready:\n" + up);
            assertTrue(up.stdout().contains("every pod is ready"), up.stdout());
            double ready = seconds(start);

            Output train = cli(
                    "train",
                    "--dataset",
                    "synthetic:?n=256",
                    "--method",
                    "simclr",
                    "--epochs",
                    "1",
                    "--batch-size",
                    "64",
                    "--json");
            assertEquals(0, train.exitCode(), "the run must train through the deployed services:\n" + train);
            JsonObject run = lastJson(train);
            assertEquals("RUN_STATE_SUCCEEDED", run.get("state").getAsString(), train.stdout());
            assertEquals(4, run.get("steps").getAsInt(), "256 pairs in batches of 64: " + run);
            String runId = run.get("run_id").getAsString();

            Output eval = cli("eval", "--run-id", runId, "--json");
            assertEquals(0, eval.exitCode(), "the deployed eval-service must score the run:\n" + eval);
            JsonObject report = lastJson(eval);
            assertEquals(4, report.get("step").getAsInt(), "the newest checkpoint is scored: " + report);
            for (String score : List.of("knn_top1", "linear_top1", "random_knn_top1")) {
                double value = report.get(score).getAsDouble();
                assertTrue(value > 0 && value <= 1, score + " is a fraction: " + report);
            }

            assertTrue(metrics(8101).contains("twinview_trainer_"), "the trainer's /q/metrics has its metrics");
            assertTrue(metrics(8103).contains("twinview_worker_views_total"), "the worker's /q/metrics counts views");
            assertTrue(metrics(8102).contains("twinview_eval_report_seconds"), "eval's /q/metrics times reports");
            System.out.printf(
                    "local overlay: every pod ready after %.0f s; trained, evaluated and scraped after %.0f s%n",
                    ready, seconds(start));
        } finally {
            Output down = cli("k8s", "down");
            assertEquals(0, down.exitCode(), "k8s down must remove what up started:\n" + down);
        }
        String pods = podman("pod", "ps", "--format", "{{.Name}}");
        assertTrue(pods != null && !pods.contains("twinview-"), "k8s down leaves no twinview pod: " + pods);
        System.out.printf("local overlay: up, run and down in %.0f s%n", seconds(start));
    }

    private static void buildMissingImages(Path root) throws IOException, InterruptedException {
        List<String> missing = new ArrayList<>();
        for (String name : IMAGES) {
            if (podman("image", "exists", "localhost/twinview/" + name + ":0.1.0") == null) {
                missing.add(name);
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        System.out.println("local overlay: building the missing images " + missing);
        Process build = new ProcessBuilder(root.resolve("images/build.sh").toString())
                .directory(root.toFile())
                .inheritIO()
                .start();
        assertEquals(0, build.waitFor(), "images/build.sh must build the images " + missing);
    }

    private static String metrics(int port) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), "/q/metrics on port " + port);
        return response.body();
    }

    /** One CLI command run in this JVM, its output captured (the command's Console prints to System.out). */
    private static synchronized Output cli(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        try (PrintStream capturedOut = new PrintStream(stdout, true, StandardCharsets.UTF_8);
                PrintStream capturedErr = new PrintStream(stderr, true, StandardCharsets.UTF_8)) {
            System.setOut(capturedOut);
            System.setErr(capturedErr);
            int exitCode = new CommandLine(new TwinviewCli()).execute(args);
            return new Output(
                    String.join(" ", args),
                    exitCode,
                    stdout.toString(StandardCharsets.UTF_8),
                    stderr.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
            out.print(stdout.toString(StandardCharsets.UTF_8));
            err.print(stderr.toString(StandardCharsets.UTF_8));
        }
    }

    private record Output(String command, int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "$ twinview " + command + " (exit " + exitCode + ")\n" + stdout + stderr;
        }
    }

    private static JsonObject lastJson(Output output) {
        String[] lines = output.stdout().strip().split("\n");
        return JsonParser.parseString(lines[lines.length - 1]).getAsJsonObject();
    }

    /** podman with the repository's containers.conf (runc, cgroupfs), as ./twinview runs it: its stdout, or null on failure. */
    private static String podman(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("podman"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment()
                .put(
                        "CONTAINERS_CONF",
                        Places.repositoryRoot()
                                .resolve("images/containers.conf")
                                .toString());
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return process.waitFor() == 0 ? out : null;
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
