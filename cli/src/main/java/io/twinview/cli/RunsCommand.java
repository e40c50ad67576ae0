package io.twinview.cli;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.twinview.proto.v1.ListRunsRequest;
import io.twinview.proto.v1.ListRunsResponse;
import io.twinview.proto.v1.Run;
import io.twinview.proto.v1.RunState;
import io.twinview.proto.v1.TrainerServiceGrpc;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The trainer's runs, newest first (ListRuns, page by page), optionally of some states only. */
@Command(
        name = "runs",
        mixinStandardHelpOptions = true,
        description = "List the trainer's runs, newest first: state, method, encoder, step, queue position.")
final class RunsCommand implements Callable<Integer> {

    private static final DateTimeFormatter CREATED =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT).withZone(ZoneOffset.UTC);

    @Option(
            names = "--state",
            split = ",",
            paramLabel = "STATE",
            description = "only runs in these states: pending, running, succeeded, failed, stopped, cancelled"
                    + " (default: every state)")
    List<String> states = new ArrayList<>();

    @Option(
            names = "--limit",
            defaultValue = "50",
            description = "at most this many runs, newest first (default: ${DEFAULT-VALUE})")
    int limit;

    @Option(
            names = "--trainer",
            defaultValue = "127.0.0.1:9101",
            description = "trainer gRPC address (default: ${DEFAULT-VALUE})")
    String trainer;

    @Mixin
    ConnectionFlags connection;

    @Override
    public Integer call() {
        Console console = new Console(false);
        List<RunState> wanted;
        try {
            wanted = parseStates(states);
            if (limit < 1) {
                throw new IllegalArgumentException("--limit must be at least 1, was " + limit);
            }
        } catch (IllegalArgumentException e) {
            console.error(e.getMessage());
            return 2;
        }
        ManagedChannel channel = Grpc.channel(trainer, connection.access(TwinviewCli.home()));
        try {
            TrainerServiceGrpc.TrainerServiceBlockingStub stub = TrainerServiceGrpc.newBlockingStub(channel);
            List<Run> runs = new ArrayList<>();
            String token = "";
            do {
                ListRunsResponse page = stub.withDeadlineAfter(1, TimeUnit.MINUTES)
                        .listRuns(ListRunsRequest.newBuilder()
                                .setPageSize(Math.min(1000, limit - runs.size()))
                                .setPageToken(token)
                                .addAllStates(wanted)
                                .build());
                runs.addAll(page.getRunsList());
                token = page.getNextPageToken();
            } while (!token.isEmpty() && runs.size() < limit);
            table(runs).forEach(console::info);
            if (!token.isEmpty()) {
                console.info("(more: --limit " + Math.min(limit * 2L, Integer.MAX_VALUE) + " shows older runs)");
            }
            return 0;
        } catch (StatusRuntimeException e) {
            console.error(Grpc.describe(e, "trainer", trainer));
            return 1;
        } finally {
            Grpc.close(channel);
        }
    }

    /**
     * @param names state names as a user types them: {@code running}, {@code RUNNING} or {@code RUN_STATE_RUNNING}
     * @throws IllegalArgumentException naming the flag, the value and the states there are
     */
    static List<RunState> parseStates(List<String> names) {
        List<RunState> states = new ArrayList<>();
        for (String name : names) {
            String key = name.strip().toUpperCase(Locale.ROOT);
            if (!key.startsWith("RUN_STATE_")) {
                key = "RUN_STATE_" + key;
            }
            String full = key;
            RunState state = Arrays.stream(RunState.values())
                    .filter(s -> s != RunState.RUN_STATE_UNSPECIFIED && s != RunState.UNRECOGNIZED)
                    .filter(s -> s.name().equals(full))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("--state '" + name + "' is not a run state; one of "
                            + Arrays.stream(RunState.values())
                                    .filter(s -> s != RunState.RUN_STATE_UNSPECIFIED && s != RunState.UNRECOGNIZED)
                                    .map(RunsCommand::shortName)
                                    .collect(Collectors.joining(", "))));
            states.add(state);
        }
        return states;
    }

    /** A header and a line per run, in the order given. */
    static List<String> table(List<Run> runs) {
        List<String> lines = new ArrayList<>();
        if (runs.isEmpty()) {
            lines.add("no runs");
            return lines;
        }
        String format = "%-24s %-10s %-10s %-18s %-11s %-19s %s";
        lines.add(String.format(Locale.ROOT, format, "RUN", "STATE", "METHOD", "ENCODER", "STEP", "CREATED (UTC)", ""));
        for (Run run : runs) {
            String step = run.getProgress().getTotalSteps() > 0
                    ? run.getProgress().getStep() + "/" + run.getProgress().getTotalSteps()
                    : String.valueOf(run.getProgress().getStep());
            String created = run.hasCreatedAt()
                    ? CREATED.format(Instant.ofEpochSecond(
                            run.getCreatedAt().getSeconds(), run.getCreatedAt().getNanos()))
                    : "-";
            String note = run.getState() == RunState.RUN_STATE_PENDING
                            && run.getProgress().getQueuePosition() > 0
                    ? "queue position " + run.getProgress().getQueuePosition()
                    : run.getState() == RunState.RUN_STATE_FAILED ? run.getError() : "";
            lines.add(String.format(
                            Locale.ROOT,
                            format,
                            run.getRunId(),
                            shortName(run.getState()),
                            run.getSpec().getMethod(),
                            run.getSpec().getEncoder(),
                            step,
                            created,
                            note)
                    .stripTrailing());
        }
        return lines;
    }

    private static String shortName(RunState state) {
        return state.name().replace("RUN_STATE_", "").toLowerCase(Locale.ROOT);
    }
}
