package io.twinview.bench;

import io.twinview.core.data.Datasets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./twinview bench chaos}: one training run on the embedded stack under a seeded schedule of faults, an
 * undisturbed reference run of the same spec, and the checks of {@link ChaosCheck}; prints the faults and the result,
 * and exits 1 when a check fails.
 */
@Command(
        name = "chaos",
        mixinStandardHelpOptions = true,
        description = "A training run while workers, the trainer and eval-service are SIGKILLed and the broker and S3"
                + " stopped; then checks every sample trained exactly once, weights equal to an undisturbed run's,"
                + " the final checkpoint evaluated and every manifest verified.")
final class ChaosBench implements Callable<Integer> {

    @Option(
            names = "--seed",
            defaultValue = "1",
            description = "seed of the fault schedule and the run (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(
            names = "--schedule",
            defaultValue = "full",
            description = "short (25 s broker and 20 s S3 outages, lowered client timeouts; CI) or full (3 min and"
                    + " 2 min, the services' own timeouts) (default: ${DEFAULT-VALUE})")
    String schedule;

    @Option(
            names = "--dataset",
            description = "training images, a multiple of the batch size (default: synthetic:?n=512&seed=11 for short,"
                    + " synthetic:?n=2048&seed=11 for full)")
    String dataset;

    @Option(names = "--epochs", description = "epochs of the run (default: 4 for short, 6 for full)")
    Integer epochs;

    @Option(names = "--keep", description = "keep the work folder (bucket, broker data, service logs) and print where")
    boolean keep;

    @Option(names = "--json", description = "end with one line of JSON holding the result")
    boolean json;

    @Override
    public Integer call() throws Exception {
        ChaosSchedule.Length length = ChaosSchedule.Length.parse(schedule);
        Path work = Files.createTempDirectory("twinview-chaos");
        ChaosRun.Result result;
        try {
            result = new ChaosRun(settings(length, work)).run();
        } finally {
            if (keep) {
                System.out.println("kept " + work);
            } else {
                TempDirs.deleteQuietly(work);
            }
        }
        System.out.println(table(result));
        if (json) {
            System.out.println(json(result));
        }
        return result.passed() ? 0 : 1;
    }

    ChaosRun.Settings settings(ChaosSchedule.Length length, Path work) {
        boolean isShort = length == ChaosSchedule.Length.SHORT;
        String uri = dataset != null ? dataset : isShort ? "synthetic:?n=512&seed=11" : "synthetic:?n=2048&seed=11";
        int batchSize = isShort ? 32 : 64;
        int size = Datasets.open(uri).size();
        if (size < batchSize || size % batchSize != 0) {
            throw new IllegalArgumentException("--dataset must hold a multiple of " + batchSize
                    + " images (the batch size: every sample of every epoch is then trained), " + uri + " holds "
                    + size);
        }
        int runEpochs = epochs != null ? epochs : isShort ? 4 : 6;
        if (runEpochs < 1) {
            throw new IllegalArgumentException("--epochs must be at least 1, was " + runEpochs);
        }
        long steps = (long) runEpochs * (size / batchSize);
        if (steps < 4L * ChaosSchedule.Kind.values().length) {
            throw new IllegalArgumentException("--epochs and --dataset give " + steps + " steps of " + batchSize
                    + " (" + runEpochs + " epochs of " + size + " images); a chaos run needs at least "
                    + 4 * ChaosSchedule.Kind.values().length + ", four per fault");
        }
        int checkpointEvery = (int) Math.max(1, steps / 8); // about 8 checkpoints
        return new ChaosRun.Settings(
                seed,
                length,
                uri,
                size,
                runEpochs,
                batchSize,
                checkpointEvery,
                Path.of(System.getProperty("twinview.home", "."))
                        .toAbsolutePath()
                        .normalize(),
                work,
                line -> System.out.println(line));
    }

    /** The faults as they happened, then the checks. */
    static String table(ChaosRun.Result result) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(
                "%nfaults (%s schedule, seed %d)%n%8s  %-28s %8s %10s %15s  %s%n",
                result.schedule().name(),
                result.settings().seed(),
                "time",
                "fault",
                "at step",
                "how long",
                "recovered after",
                "note"));
        for (ChaosRun.Injected fault : result.faults()) {
            out.append(String.format(
                    Locale.ROOT,
                    "%7.1fs  %-28s %8s %10s %15s  %s%n",
                    fault.at(),
                    fault.fault().kind().describe,
                    fault.step() < 0 ? "-" : String.valueOf(fault.step()),
                    fault.lasted() < 0 ? "-" : String.format(Locale.ROOT, "%.1fs", fault.lasted()),
                    fault.recoveredAfter() < 0 ? "never" : String.format(Locale.ROOT, "%.1fs", fault.recoveredAfter()),
                    fault.note()));
        }
        ChaosCheck.Samples samples = result.samples();
        out.append(String.format(
                "%nresult%n  disturbed run       %s%n",
                result.disturbed() == null ? "not started" : ChaosRun.describe(result.disturbed())));
        out.append(String.format(
                "  samples             %d missing, %d duplicated, %d unreadable (of %d epochs x %d)%s%n",
                samples.missing(),
                samples.duplicated(),
                samples.unreadable(),
                result.settings().epochs(),
                result.settings().datasetSize(),
                samples.problem().isEmpty() ? "" : ": " + samples.problem()));
        out.append(String.format("  weights identical   %s (%s)%n", result.weightsIdentical(), result.weightsNote()));
        out.append(String.format(
                "  final checkpoint    step %d, evaluated: %s%n",
                result.finalStep(), result.finalCheckpointEvaluated()));
        out.append(String.format(
                "  manifests           %d checked, %s%n",
                result.manifests().checked(),
                result.manifests().verified()
                        ? "all verify"
                        : result.manifests().failures().size() + " failures: "
                                + result.manifests().failures()));
        out.append(String.format("  %s in %.0f s%n", result.passed() ? "PASSED" : "FAILED", result.wallSeconds()));
        return out.toString();
    }

    static String json(ChaosRun.Result result) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("seed", result.settings().seed());
        fields.put("schedule", quote(result.schedule().name()));
        fields.put("faults_planned", result.schedule().faults().size());
        fields.put("faults_injected", result.faultsInjected());
        List<String> faults = new ArrayList<>();
        for (ChaosRun.Injected fault : result.faults()) {
            faults.add(String.format(
                    Locale.ROOT,
                    "{\"fault\":%s,\"at_s\":%.1f,\"at_step\":%d,\"lasted_s\":%.1f,\"recovered_after_s\":%.1f}",
                    quote(fault.fault().kind().name().toLowerCase(Locale.ROOT)),
                    fault.at(),
                    fault.step(),
                    fault.lasted(),
                    fault.recoveredAfter()));
        }
        fields.put("faults", faults.stream().collect(Collectors.joining(",", "[", "]")));
        fields.put(
                "run_state",
                quote(
                        result.disturbed() == null
                                ? "NOT_STARTED"
                                : result.disturbed().getState().name().replace("RUN_STATE_", "")));
        fields.put("final_step", result.finalStep());
        fields.put("samples_accounted", result.samples().accounted());
        fields.put("samples_missing", result.samples().missing());
        fields.put("samples_duplicated", result.samples().duplicated());
        fields.put("samples_unreadable", result.samples().unreadable());
        fields.put("weights_identical", result.weightsIdentical());
        fields.put("final_checkpoint_evaluated", result.finalCheckpointEvaluated());
        fields.put("manifests_checked", result.manifests().checked());
        fields.put("manifests_verified", result.manifests().verified());
        fields.put("passed", result.passed());
        fields.put("wall_s", String.format(Locale.ROOT, "%.1f", result.wallSeconds()));
        return fields.entrySet().stream()
                .map(e -> quote(e.getKey()) + ":" + e.getValue())
                .collect(Collectors.joining(",", "{", "}"));
    }

    private static String quote(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
