package io.twinview.trainer.run;

import java.util.ArrayDeque;

/** Pairs per second over a sliding window of recent steps, and the time left at that pace. */
final class ProgressMeter {

    private record Sample(long nanos, long pairs) {}

    private final long windowNanos;
    private final ArrayDeque<Sample> samples = new ArrayDeque<>();

    ProgressMeter(long windowNanos) {
        this.windowNanos = windowNanos;
    }

    void record(long nanos, long pairsTrained) {
        samples.addLast(new Sample(nanos, pairsTrained));
        while (samples.size() > 2 && nanos - samples.peekFirst().nanos() > windowNanos) {
            samples.removeFirst();
        }
    }

    /** Pairs per second over the window; 0 until two steps are known. */
    double pairsPerSecond() {
        if (samples.size() < 2) {
            return 0;
        }
        Sample first = samples.peekFirst();
        Sample last = samples.peekLast();
        double seconds = (last.nanos() - first.nanos()) / 1e9;
        return seconds <= 0 ? 0 : (last.pairs() - first.pairs()) / seconds;
    }

    double etaSeconds(long pairsLeft) {
        double rate = pairsPerSecond();
        return rate <= 0 ? 0 : pairsLeft / rate;
    }
}
