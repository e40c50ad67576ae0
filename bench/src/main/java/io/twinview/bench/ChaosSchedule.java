package io.twinview.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The faults of a chaos run and when each strikes: a pure function of the seed, the run's length in steps and its
 * checkpoint cadence. The five faults are shuffled over five equal windows of the run (from 10% to 85% of its
 * steps), each at a seeded step of its window; the storage outage moves to just before the next checkpoint step of
 * its window, so that checkpoint is written while S3 is down.
 *
 * @param faults in the order they strike (ascending step)
 */
record ChaosSchedule(String name, List<Fault> faults) {

    /** What is done to the system. */
    enum Kind {
        /** SIGKILL one augment worker, and start a new one in its place. */
        KILL_WORKER("SIGKILL a worker"),
        /** SIGKILL trainer-service mid-step and start it again; it resumes the run from its newest checkpoint. */
        KILL_TRAINER("SIGKILL the trainer"),
        /** SIGKILL eval-service and start it again. */
        KILL_EVAL("SIGKILL eval-service"),
        /** Stop the Kafka broker for longer than its clients' timeouts, then start it on its port and data. */
        STOP_BROKER("stop the broker"),
        /** Stop S3 just before a checkpoint step, then start it on its port and data. */
        STOP_STORAGE("stop S3 across a checkpoint");

        final String describe;

        Kind(String describe) {
            this.describe = describe;
        }
    }

    /**
     * One fault.
     *
     * @param atStep injected once the run has reached this step
     * @param outage how long the broker or storage stays down (zero for a SIGKILL)
     */
    record Fault(Kind kind, long atStep, Duration outage) {}

    /** The schedules {@code --schedule} accepts: how long the broker and storage outages last. */
    enum Length {
        /** Outages of 25 s and 20 s, with lowered client timeouts (CI). */
        SHORT(Duration.ofSeconds(25), Duration.ofSeconds(20)),
        /** The broker down for 3 min, S3 down for 2 min, with the services' own timeouts. */
        FULL(Duration.ofMinutes(3), Duration.ofMinutes(2));

        final Duration brokerOutage;
        final Duration storageOutage;

        Length(Duration brokerOutage, Duration storageOutage) {
            this.brokerOutage = brokerOutage;
            this.storageOutage = storageOutage;
        }

        static Length parse(String value) {
            for (Length length : values()) {
                if (length.name().toLowerCase(Locale.ROOT).equals(value)) {
                    return length;
                }
            }
            throw new IllegalArgumentException("--schedule must be short or full, was '" + value + "'");
        }
    }

    private static final double FIRST = 0.10;
    private static final double LAST = 0.85;

    /**
     * @param totalSteps the run's optimizer steps
     * @param checkpointEvery its checkpoint cadence in steps
     */
    static ChaosSchedule of(long seed, Length length, long totalSteps, int checkpointEvery) {
        List<Kind> kinds = new ArrayList<>(List.of(Kind.values()));
        SplittableRandom random = new SplittableRandom(seed);
        Collections.shuffle(kinds, new java.util.Random(random.nextLong()));
        int windows = kinds.size();
        if (totalSteps < 4L * windows || checkpointEvery < 1) {
            throw new IllegalArgumentException("a chaos run needs at least " + 4 * windows
                    + " steps and a checkpoint cadence of at least 1, had " + totalSteps + " steps every "
                    + checkpointEvery);
        }
        double width = (LAST - FIRST) / windows;
        List<Fault> faults = new ArrayList<>();
        for (int i = 0; i < windows; i++) {
            long from = Math.max(1, Math.round(totalSteps * (FIRST + i * width)));
            long to = Math.max(from + 1, Math.round(totalSteps * (FIRST + (i + 1) * width)));
            long step = from + random.nextLong(to - from);
            Kind kind = kinds.get(i);
            Duration outage = Duration.ZERO;
            if (kind == Kind.STOP_STORAGE) {
                long checkpoint = ((step / checkpointEvery) + 1) * checkpointEvery;
                // a step or two ahead: progress is read by polling, and the checkpoint must not be written before
                step = Math.max(1, Math.min(checkpoint, totalSteps) - 2);
                outage = length.storageOutage;
            } else if (kind == Kind.STOP_BROKER) {
                outage = length.brokerOutage;
            }
            faults.add(new Fault(kind, step, outage));
        }
        faults.sort(Comparator.comparingLong(Fault::atStep));
        return new ChaosSchedule(length.name().toLowerCase(Locale.ROOT), List.copyOf(faults));
    }
}
