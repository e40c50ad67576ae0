package io.twinview.trainer.run;

/**
 * Where the run loop's time goes: waiting for views (reading the views topic while no batch is
 * ready) or computing (assembling a batch and stepping the learner). Checkpoints and other listener
 * work count as neither. The input-wait fraction names the bottleneck: near 1 the augment workers,
 * near 0 the trainer. It covers this process only: a resumed run starts counting again.
 */
public final class LoopTime {

    /** One step's share: the wait since the step before it, and its own compute. */
    public record Step(long waitNanos, long computeNanos) {}

    private long waitNanos;
    private long computeNanos;
    private long waitSinceStep;
    private Step lastStep = new Step(0, 0);

    void waited(long nanos) {
        waitNanos += nanos;
        waitSinceStep += nanos;
    }

    /** A step computed for {@code nanos}: it closes the wait that preceded it. */
    void computed(long nanos) {
        computeNanos += nanos;
        lastStep = new Step(waitSinceStep, nanos);
        waitSinceStep = 0;
    }

    public Step lastStep() {
        return lastStep;
    }

    public long waitNanos() {
        return waitNanos;
    }

    public long computeNanos() {
        return computeNanos;
    }

    /** wait / (wait + compute), in [0, 1]; 0 before any time was measured. */
    public double inputWaitFraction() {
        long total = waitNanos + computeNanos;
        return total == 0 ? 0 : (double) waitNanos / total;
    }
}
