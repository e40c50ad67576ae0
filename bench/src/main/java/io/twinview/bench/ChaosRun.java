package io.twinview.bench;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.twinview.cli.Console;
import io.twinview.cli.Pipeline;
import io.twinview.proto.v1.CheckpointManifest;
import io.twinview.proto.v1.EvalReport;
import io.twinview.proto.v1.EvalServiceGrpc;
import io.twinview.proto.v1.GetRunRequest;
import io.twinview.proto.v1.ListReportsRequest;
import io.twinview.proto.v1.Run;
import io.twinview.proto.v1.RunSpec;
import io.twinview.proto.v1.RunState;
import io.twinview.proto.v1.StartRunRequest;
import io.twinview.proto.v1.TrainerServiceGrpc;
import io.twinview.stack.Ports;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One chaos run: the pipeline of {@code ./twinview demo} (a broker and S3 of its own, the three services as child
 * processes) with three augment workers trains one run while a {@link ChaosSchedule} SIGKILLs a worker, the trainer
 * and eval-service and stops the broker and S3; then the same spec trains undisturbed with one worker (the
 * reference), and {@link ChaosCheck} judges the result. Progress is read by polling GetRun: a watch stream would end
 * with every trainer it outlives.
 */
final class ChaosRun {

    /**
     * @param seed the schedule's seed (also the run's)
     * @param length short (CI) or full outages
     * @param dataset the training images; {@code datasetSize} samples per epoch
     * @param home the repository root (the services' jars)
     * @param work data and logs of the embedded stack and services
     */
    record Settings(
            long seed,
            ChaosSchedule.Length length,
            String dataset,
            int datasetSize,
            int epochs,
            int batchSize,
            int checkpointEvery,
            Path home,
            Path work,
            Consumer<String> log) {}

    /**
     * A fault as it happened.
     *
     * @param at seconds since the disturbed run started
     * @param step the run's step when it was injected, -1 when it was not (see {@code note})
     * @param lasted how long the broker or storage was down, or the SIGKILLed service was gone (until it serves again)
     * @param recoveredAfter seconds from the end of the fault until the run trained a step past the one it had
     *     reached then ({@code step} for the trainer, which starts again from a checkpoint), or ended; -1 when it
     *     did not
     */
    record Injected(
            ChaosSchedule.Fault fault, double at, long step, double lasted, double recoveredAfter, String note) {}

    record Result(
            Settings settings,
            ChaosSchedule schedule,
            List<Injected> faults,
            Run disturbed,
            Run reference,
            long finalStep,
            ChaosCheck.Samples samples,
            boolean weightsIdentical,
            String weightsNote,
            boolean finalCheckpointEvaluated,
            ChaosCheck.Manifests manifests,
            double wallSeconds) {

        long faultsInjected() {
            return faults.stream().filter(f -> f.step() >= 0).count();
        }

        boolean passed() {
            return faultsInjected() == schedule.faults().size()
                    && disturbed != null
                    && disturbed.getState() == RunState.RUN_STATE_SUCCEEDED
                    && samples.accounted()
                    && samples.missing() == 0
                    && samples.duplicated() == 0
                    && weightsIdentical
                    && finalCheckpointEvaluated
                    && manifests.verified();
        }
    }

    private static final String TRAINER = "trainer-service";
    private static final String EVAL = "eval-service";
    private static final String FIRST_WORKER = "augment-service";
    private static final Duration POLL = Duration.ofMillis(250);
    private static final Duration SERVICE_START = Duration.ofMinutes(3);

    private final Settings settings;
    private final Consumer<String> log;
    private final List<String> workers = new ArrayList<>();
    private final ExecutorService background = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "chaos-restart");
        thread.setDaemon(true);
        return thread;
    });
    /** The checkpoint step each storage outage was to span, and when S3 went down. */
    private final Map<Long, Instant[]> storageOutages = new LinkedHashMap<>();

    /** Seconds from eval-service's SIGKILL until it served again, once it does. */
    private CompletableFuture<Double> evalBack = CompletableFuture.completedFuture(-1.0);

    private Pipeline pipeline;
    private ManagedChannel trainerChannel;
    private ManagedChannel evalChannel;
    private long started;

    ChaosRun(Settings settings) {
        this.settings = settings;
        this.log = settings.log();
    }

    /** The spec both runs train: the small encoder, a checkpoint every {@code checkpointEvery} steps. */
    RunSpec spec() {
        return RunSpec.newBuilder()
                .setDatasetUri(settings.dataset())
                .setEpochs(settings.epochs())
                .setBatchSize(settings.batchSize())
                .setEncoder("small")
                .setSeed(settings.seed())
                .setSamplesPerTask(settings.batchSize() * 2)
                .setCheckpointEverySteps(settings.checkpointEvery())
                .build();
    }

    long totalSteps() {
        return (long) settings.epochs() * (settings.datasetSize() / settings.batchSize());
    }

    /**
     * Settings the services run with: checkpoints by step alone (the trainer's 10 s floor between checkpoints
     * would skip most of a seconds-long run's), and for the short schedule, client timeouts low enough that a
     * 25 s broker outage outlasts them, as a 3 min one outlasts the defaults.
     */
    Map<String, Map<String, String>> serviceSettings() {
        Map<String, String> kafka = new LinkedHashMap<>();
        if (settings.length() == ChaosSchedule.Length.SHORT) {
            kafka.put("kafka.request.timeout.ms", "5000");
            kafka.put("kafka.default.api.timeout.ms", "10000");
            kafka.put("kafka.delivery.timeout.ms", "10000");
            kafka.put("kafka.max.block.ms", "10000");
        }
        Map<String, String> trainer = new LinkedHashMap<>(kafka);
        trainer.put("twinview.trainer.limits.min-checkpoint-interval", "0s");
        Map<String, String> augment = new LinkedHashMap<>(kafka);
        if (settings.length() == ChaosSchedule.Length.SHORT) {
            augment.put("twinview.augment.session-timeout", "10s"); // a killed worker's tasks move on in 10 s
        }
        Map<String, String> eval = new LinkedHashMap<>(kafka);
        // the check wants the final checkpoint's report: a restarted eval-service goes to each run's newest (and
        // every final) checkpoint instead of working through the backlog of intermediate ones first
        eval.put("twinview.eval.skip-superseded", "true");
        return Map.of(TRAINER, trainer, EVAL, eval, FIRST_WORKER, augment);
    }

    Result run() throws Exception {
        long wallStart = System.nanoTime();
        ChaosSchedule schedule =
                ChaosSchedule.of(settings.seed(), settings.length(), totalSteps(), settings.checkpointEvery());
        log.accept(String.format(
                "chaos run (%s schedule, seed %d): %d epochs of %s, %d steps, a checkpoint every %d; faults: %s",
                schedule.name(),
                settings.seed(),
                settings.epochs(),
                settings.dataset(),
                totalSteps(),
                settings.checkpointEvery(),
                schedule.faults().stream()
                        .map(f -> f.kind().describe + " @" + f.atStep())
                        .toList()));
        String runId = "chaos-" + settings.seed();
        String referenceId = runId + "-reference";
        Pipeline.Options options =
                new Pipeline.Options(settings.home(), settings.work(), Pipeline.PortPlan.free(), 0, 1, 1, false);
        try {
            pipeline = Pipeline.start(options, new Console(true), null, serviceSettings());
            trainerChannel = pipeline.trainerChannel();
            evalChannel = pipeline.evalChannel();
            workers.add(FIRST_WORKER);
            List<String> more = List.of("augment-worker-2", "augment-worker-3");
            more.forEach(pipeline::startWorker);
            for (String worker : more) {
                pipeline.service(worker).awaitPort(Ports.LOOPBACK, pipeline.port(worker), SERVICE_START);
                workers.add(worker);
            }
            log.accept("  3 augment workers up; logs in " + pipeline.logs());

            started = System.nanoTime();
            trainer()
                    .startRun(StartRunRequest.newBuilder()
                            .setRunId(runId)
                            .setSpec(spec())
                            .build());
            List<Injected> injected = new ArrayList<>();
            SplittableRandom victims = new SplittableRandom(settings.seed() ^ 0x5DEECE66DL);
            for (ChaosSchedule.Fault fault : schedule.faults()) {
                injected.add(inject(runId, fault, victims));
            }
            Run disturbed = awaitEnd(runId, runDeadline());
            log.accept("  disturbed run " + describe(disturbed));
            long finalStep = ChaosCheck.newestManifest(bucket(), runId)
                    .map(CheckpointManifest::getStep)
                    .orElse(-1L);
            boolean evaluated = finalStep > 0 && awaitReport(runId, finalStep, evalDeadline());
            log.accept("  final checkpoint (step " + finalStep + ") evaluated: " + evaluated);

            Run reference = null;
            if (disturbed.getState() == RunState.RUN_STATE_SUCCEEDED) {
                // the reference: one worker, nothing evaluated alongside (eval has no part in its weights)
                for (String worker : workers.subList(1, workers.size())) {
                    pipeline.service(worker).stop(Duration.ofSeconds(10));
                }
                pipeline.service(EVAL).stop(Duration.ofSeconds(10));
                log.accept("  reference run: the same spec, one worker, undisturbed");
                trainer()
                        .startRun(StartRunRequest.newBuilder()
                                .setRunId(referenceId)
                                .setSpec(spec())
                                .build());
                reference = awaitEnd(referenceId, runDeadline());
                log.accept("  reference run " + describe(reference));
            }
            return judge(schedule, injected, disturbed, reference, runId, referenceId, finalStep, evaluated, wallStart);
        } finally {
            background.shutdownNow();
            if (trainerChannel != null) {
                trainerChannel.shutdownNow();
                evalChannel.shutdownNow();
            }
            if (pipeline != null) {
                pipeline.close();
            }
        }
    }

    private Result judge(
            ChaosSchedule schedule,
            List<Injected> injected,
            Run disturbed,
            Run reference,
            String runId,
            String referenceId,
            long finalStep,
            boolean evaluated,
            long wallStart) {
        Optional<CheckpointManifest> last = ChaosCheck.newestManifest(bucket(), runId);
        ChaosCheck.Samples samples = last.map(
                        m -> ChaosCheck.samples(bucket(), m, settings.datasetSize(), settings.epochs()))
                .orElse(ChaosCheck.Samples.unaccounted(
                        settings.datasetSize(), settings.epochs(), "the run has no checkpoint"));
        boolean identical = false;
        String weights;
        Optional<String> ours =
                last.flatMap(m -> ChaosCheck.object(m, ChaosCheck.ENCODER)).map(o -> o.getSha256());
        Optional<CheckpointManifest> theirs = ChaosCheck.newestManifest(bucket(), referenceId);
        if (reference == null) {
            weights = "no reference run: the disturbed run did not succeed";
        } else if (reference.getState() != RunState.RUN_STATE_SUCCEEDED || theirs.isEmpty()) {
            weights = "the reference run did not succeed: " + describe(reference);
        } else if (ours.isEmpty() || theirs.get().getStep() != finalStep) {
            weights = "final steps differ: " + finalStep + " vs reference "
                    + theirs.get().getStep();
        } else {
            String reference256 = ChaosCheck.object(theirs.get(), ChaosCheck.ENCODER)
                    .map(o -> o.getSha256())
                    .orElse("none");
            identical = ours.get().equals(reference256);
            weights = "encoder sha256 " + ours.get() + (identical ? " = " : " != ") + "reference " + reference256;
        }
        List<Injected> faults = new ArrayList<>();
        for (Injected fault : injected) {
            if (fault.step() < 0) {
                faults.add(fault);
            } else if (fault.fault().kind() == ChaosSchedule.Kind.KILL_EVAL) {
                double back = evalBack.getNow(-1.0); // -1: not serving again yet
                faults.add(new Injected(fault.fault(), fault.at(), fault.step(), back, back, fault.note()));
            } else {
                faults.add(fault);
            }
        }
        return new Result(
                settings,
                schedule,
                faults,
                disturbed,
                reference,
                finalStep,
                samples,
                identical,
                weights,
                evaluated,
                ChaosCheck.verifyManifests(bucket()),
                (System.nanoTime() - wallStart) / 1e9);
    }

    private Injected inject(String runId, ChaosSchedule.Fault fault, SplittableRandom victims) throws Exception {
        Run reached = awaitStep(runId, fault.atStep(), runDeadline());
        long step = reached.getProgress().getStep();
        if (terminal(reached)) {
            log.accept("  not injected: " + fault.kind().describe + " (the run had ended: " + describe(reached) + ")");
            return new Injected(
                    fault,
                    seconds(),
                    -1,
                    0,
                    -1,
                    "not injected: the run had already ended ("
                            + reached.getState().name().replace("RUN_STATE_", "") + ")");
        }
        double at = seconds();
        log.accept(String.format("  %6.1f s  step %d: %s", at, step, fault.kind().describe));
        long before = System.nanoTime();
        String note = "";
        switch (fault.kind()) {
            case KILL_WORKER -> {
                String victim = workers.remove(victims.nextInt(workers.size()));
                pipeline.service(victim).kill();
                String replacement = "augment-worker-" + (++workersStarted);
                pipeline.startWorker(replacement);
                workers.add(replacement);
                pipeline.service(replacement).awaitPort(Ports.LOOPBACK, pipeline.port(replacement), SERVICE_START);
                note = victim + " SIGKILLed; " + replacement + " started";
            }
            case KILL_TRAINER -> {
                pipeline.service(TRAINER).kill();
                pipeline.restart(TRAINER);
                note = resume(runId);
            }
            case KILL_EVAL -> {
                pipeline.service(EVAL).kill();
                evalBack = CompletableFuture.supplyAsync(
                        () -> {
                            pipeline.restart(EVAL);
                            return secondsSince(before);
                        },
                        background);
                evalBack.whenComplete((s, e) -> log.accept(
                        e == null
                                ? String.format("  %6.1f s  eval-service serves again", seconds())
                                : "  eval-service did not start again: " + e));
                return new Injected(fault, at, step, -1, -1, "started again in the background");
            }
            case STOP_BROKER -> {
                pipeline.stack().stopBroker(true);
                Thread.sleep(fault.outage().toMillis());
                pipeline.stack().startBroker();
            }
            case STOP_STORAGE -> {
                Instant down = Instant.now();
                pipeline.stack().stopStorage(true);
                Thread.sleep(fault.outage().toMillis());
                pipeline.stack().startStorage();
                storageOutages.put(nextCheckpoint(step), new Instant[] {down, Instant.now()});
            }
        }
        double lasted = secondsSince(before);
        long back = System.nanoTime();
        // past the step of the fault's end: a run may train a few steps on buffered views, or up to its
        // checkpoint, while the broker or S3 is down; a trainer's progress starts again from its checkpoint
        long from = fault.kind() == ChaosSchedule.Kind.KILL_TRAINER
                ? step
                : Math.max(step, current(runId).getProgress().getStep());
        Run after = awaitStep(
                runId, from + 1, Duration.ofMinutes(settings.length() == ChaosSchedule.Length.SHORT ? 3 : 15));
        if (fault.kind() == ChaosSchedule.Kind.STOP_STORAGE) {
            long checkpoint = nextCheckpoint(step);
            poll(
                    runId,
                    run -> run.getProgress().getLastCheckpointStep() >= checkpoint || terminal(run),
                    Duration.ofMinutes(1));
            note = spanned(runId, checkpoint); // now: retention may delete the checkpoint later
        }
        if (fault.kind() == ChaosSchedule.Kind.KILL_TRAINER) {
            note = "resumed from step " + after.getResumedFromStep() + "; " + note;
        }
        double recovered = after.getProgress().getStep() > from || after.getState() == RunState.RUN_STATE_SUCCEEDED
                ? secondsSince(back)
                : -1;
        log.accept(String.format(
                "  %6.1f s  %s over after %.1f s; %s%s",
                seconds(),
                fault.kind().describe,
                lasted,
                recovered >= 0
                        ? String.format("training again after %.1f s", recovered)
                        : "the run did not go on: " + describe(after),
                note.isEmpty() ? "" : " (" + note + ")"));
        return new Injected(fault, at, step, lasted, recovered, note);
    }

    /** Workers started so far (their names end in this number): the pipeline's first and two more. */
    private int workersStarted = 3;

    /** StartRun of an existing run id after the trainer restarted: it resumes from the newest checkpoint. */
    private String resume(String runId) throws InterruptedException {
        long deadline = System.nanoTime() + SERVICE_START.toNanos();
        while (true) {
            try {
                Run resumed = trainer()
                        .startRun(StartRunRequest.newBuilder().setRunId(runId).build());
                return "StartRun: " + resumed.getState().name().replace("RUN_STATE_", "");
            } catch (StatusRuntimeException e) {
                trainerChannel.resetConnectBackoff();
                if (System.nanoTime() > deadline) {
                    return "could not resume: " + e.getStatus();
                }
                Thread.sleep(1000);
            }
        }
    }

    /**
     * A note on the checkpoint a storage outage was to span: made while S3 was down (its manifest's {@code
     * created_at} is when the trainer began it) and so stored only once S3 was back, or missed.
     */
    private String spanned(String runId, long checkpoint) {
        Instant[] outage = storageOutages.get(checkpoint);
        Path manifest = bucket().resolve(io.twinview.core.checkpoint.CheckpointKeys.manifestKey(runId, checkpoint));
        if (!java.nio.file.Files.isRegularFile(manifest)) {
            return "checkpoint " + checkpoint + " not stored yet when the run went on";
        }
        com.google.protobuf.Timestamp created = ChaosCheck.manifest(manifest).getCreatedAt();
        Instant at = Instant.ofEpochSecond(created.getSeconds(), created.getNanos());
        if (at.isBefore(outage[0])) {
            return "checkpoint " + checkpoint + " was made before S3 stopped: the outage missed it";
        }
        if (at.isAfter(outage[1])) {
            return "checkpoint " + checkpoint + " was made after S3 was back: the outage missed it";
        }
        return String.format(
                "checkpoint %d made %.1f s into the outage, stored once S3 was back",
                checkpoint, Duration.between(outage[0], at).toMillis() / 1e3);
    }

    private long nextCheckpoint(long step) {
        return Math.min(totalSteps(), (step / settings.checkpointEvery() + 1) * settings.checkpointEvery());
    }

    /** The run as GetRun has it now (the trainer is up: the fault was not the trainer's). */
    private Run current(String runId) throws InterruptedException {
        return poll(runId, run -> true, Duration.ofSeconds(30));
    }

    /** Polls GetRun until the run reaches {@code step} or ends, or {@code timeout} passes: the last Run read. */
    private Run awaitStep(String runId, long step, Duration timeout) throws InterruptedException {
        return poll(runId, run -> run.getProgress().getStep() >= step || terminal(run), timeout);
    }

    private Run awaitEnd(String runId, Duration timeout) throws InterruptedException {
        return poll(runId, ChaosRun::terminal, timeout);
    }

    private Run poll(String runId, java.util.function.Predicate<Run> done, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Run last = Run.newBuilder().setRunId(runId).build();
        while (true) {
            try {
                last = trainer()
                        .getRun(GetRunRequest.newBuilder().setRunId(runId).build());
                if (done.test(last)) {
                    return last;
                }
            } catch (StatusRuntimeException e) {
                // the trainer is down or starting again: keep polling until the deadline, without the channel's
                // reconnect backoff (up to 2 min) in the way once it serves again
                trainerChannel.resetConnectBackoff();
            }
            if (System.nanoTime() > deadline) {
                return last;
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    /** Until eval-service lists a report of {@code step} of the run. */
    private boolean awaitReport(String runId, long step, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                for (EvalReport report : EvalServiceGrpc.newBlockingStub(evalChannel)
                        .withDeadlineAfter(30, TimeUnit.SECONDS)
                        .listReports(
                                ListReportsRequest.newBuilder().setRunId(runId).build())
                        .getReportsList()) {
                    if (report.getStep() == step && !failed(report)) {
                        return true;
                    }
                }
            } catch (StatusRuntimeException e) {
                evalChannel.resetConnectBackoff(); // eval-service is starting again
            }
            Thread.sleep(1000);
        }
        return false;
    }

    /**
     * A report that says its evaluation failed ({@code EvalReport.failed}, where the proto has the field) is no
     * evaluation.
     */
    static boolean failed(EvalReport report) {
        com.google.protobuf.Descriptors.FieldDescriptor field =
                report.getDescriptorForType().findFieldByName("failed");
        return field != null && Boolean.TRUE.equals(report.getField(field));
    }

    private static boolean terminal(Run run) {
        RunState state = run.getState();
        return state == RunState.RUN_STATE_SUCCEEDED
                || state == RunState.RUN_STATE_FAILED
                || state == RunState.RUN_STATE_STOPPED
                || state == RunState.RUN_STATE_CANCELLED;
    }

    static String describe(Run run) {
        String state = run.getState().name().replace("RUN_STATE_", "");
        String line = run.getProgress().getStep() > 0
                ? state + " at step " + run.getProgress().getStep()
                : state;
        if (!run.getError().isBlank()) {
            line += ": " + run.getError();
        } else if (!run.getProgress().getMessage().isBlank()) {
            line += " (" + run.getProgress().getMessage() + ")";
        }
        return line;
    }

    private Duration runDeadline() {
        return settings.length() == ChaosSchedule.Length.SHORT ? Duration.ofMinutes(15) : Duration.ofMinutes(60);
    }

    private Duration evalDeadline() {
        return settings.length() == ChaosSchedule.Length.SHORT ? Duration.ofMinutes(5) : Duration.ofMinutes(10);
    }

    private Path bucket() {
        return settings.work().resolve("s3").resolve("data").resolve(Pipeline.BUCKET);
    }

    private TrainerServiceGrpc.TrainerServiceBlockingStub trainer() {
        return TrainerServiceGrpc.newBlockingStub(trainerChannel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    private double seconds() {
        return secondsSince(started);
    }

    private static double secondsSince(long nanos) {
        return (System.nanoTime() - nanos) / 1e9;
    }
}
