package io.twinview.trainer.run;

import io.twinview.proto.v1.PartitionCursor;
import io.twinview.trainer.train.PairBatch;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Cuts the run's ordered pair stream into global batches of exactly {@code batchSize} pairs. The
 * stream is every pair of the plan ordered by (task id, record sequence, position in record):
 * batch k is pairs [k*B, (k+1)*B) of it, whatever order the records arrive in, however many
 * workers made them. A record that arrives before the ones in front of it is held until they
 * arrive (the task window bounds how far ahead that can be); a record of a position already passed
 * is dropped; a record of the plan whose pixels were unusable holds its place as a gap that the
 * stream steps over (its pairs are lost, counted by the caller).
 *
 * <p>Resume is exact: {@link #position()} is the first pair not trained, and a new assembler
 * {@link #resumeAt started} there makes the same batches from the same records. The read offsets
 * ({@link #cursor}) only tell a resumed trainer where to start reading so it sees them again.
 */
final class BatchAssembler {

    /** A place in the ordered stream: pair {@code skip} of record {@code sequence} of task {@code taskId}. */
    record Position(long taskId, int sequence, int skip) {}

    /** One record of the plan: its pairs, or none when it was unusable (a gap). */
    private static final class Segment {
        final int partition;
        final long offset;
        final long taskId;
        final int sequence;
        final byte[] view1;
        final byte[] view2;
        final long[] samples;
        final long[] unreadable;
        final boolean gap;
        int taken;
        /** Its unreadable samples are in the tally: the stream reached the record. */
        boolean accounted;

        Segment(
                int partition,
                long offset,
                long taskId,
                int sequence,
                byte[] view1,
                byte[] view2,
                long[] samples,
                long[] unreadable,
                boolean gap) {
            this.partition = partition;
            this.offset = offset;
            this.taskId = taskId;
            this.sequence = sequence;
            this.view1 = view1;
            this.view2 = view2;
            this.samples = samples;
            this.unreadable = unreadable;
            this.gap = gap;
        }

        int remaining() {
            return samples.length - taken;
        }
    }

    private final int batchSize;
    private final int height;
    private final int width;
    private final int pairBytes;
    private final TaskPlan plan;
    private final SampleTally tally;
    /** Records in stream order from the first untrained pair, every one present. */
    private final ArrayDeque<Segment> ready = new ArrayDeque<>();
    /** Records that arrived before the ones in front of them, by (task id, sequence). */
    private final TreeMap<Position, Segment> early = new TreeMap<>((a, b) -> a.taskId() != b.taskId()
            ? Long.compare(a.taskId(), b.taskId())
            : Integer.compare(a.sequence(), b.sequence()));
    /** Per partition: the offset after the last record handed to this assembler (accepted or not). */
    private final Map<Integer, Long> nextOffsets = new TreeMap<>();

    /** The next record to move from {@link #early} to {@link #ready}: every record before it is there or trained. */
    private long nextTask;

    private int nextSequence;
    /** Pairs the previous process trained of the record at the resume position. */
    private Position resumeSkip;

    private long available;

    BatchAssembler(int batchSize, int height, int width, TaskPlan plan, SampleTally tally) {
        this.batchSize = batchSize;
        this.height = height;
        this.width = width;
        this.pairBytes = height * width * 3;
        this.plan = plan;
        this.tally = tally;
    }

    /** Continues the stream at a checkpoint's position: everything before it was trained. */
    void resumeAt(Position position) {
        nextTask = position.taskId();
        nextSequence = position.sequence();
        resumeSkip = position.skip() > 0 ? position : null;
    }

    /**
     * An accepted record of the plan.
     *
     * @param unreadable samples of the record the worker could not read (no pairs; accounted when trained past)
     * @return false when its place in the stream was passed already (trained, or filled by another copy)
     */
    boolean add(
            int partition,
            long offset,
            long taskId,
            int sequence,
            byte[] view1,
            byte[] view2,
            long[] samples,
            long[] unreadable) {
        passed(partition, offset);
        return place(new Segment(partition, offset, taskId, sequence, view1, view2, samples, unreadable, false));
    }

    /** A record of the plan whose pixels are unusable: the stream steps over its place. */
    boolean gap(int partition, long offset, long taskId, int sequence) {
        passed(partition, offset);
        return place(new Segment(partition, offset, taskId, sequence, null, null, new long[0], new long[0], true));
    }

    private boolean place(Segment segment) {
        if (before(segment.taskId, segment.sequence, nextTask, nextSequence)) {
            return false;
        }
        if (early.putIfAbsent(new Position(segment.taskId, segment.sequence, 0), segment) != null) {
            return false;
        }
        admit();
        return true;
    }

    private static boolean before(long task, int sequence, long otherTask, int otherSequence) {
        return task < otherTask || (task == otherTask && sequence < otherSequence);
    }

    /** Moves the records that are next in order from {@link #early} to {@link #ready}. */
    private void admit() {
        while (nextTask < plan.totalTasks()) {
            Segment next = early.remove(new Position(nextTask, nextSequence, 0));
            if (next == null) {
                return;
            }
            if (resumeSkip != null && resumeSkip.taskId() == nextTask && resumeSkip.sequence() == nextSequence) {
                next.taken = Math.min(resumeSkip.skip(), next.samples.length);
                next.accounted = true; // the previous process trained into it: it accounted for it
                resumeSkip = null;
            }
            ready.add(next);
            available += next.remaining();
            if (++nextSequence >= plan.recordCount(nextTask)) {
                nextTask++;
                nextSequence = 0;
            }
        }
    }

    /** A record read but not accepted (rejected or duplicate): only the read position moves. */
    void passed(int partition, long offset) {
        nextOffsets.merge(partition, offset + 1, Math::max);
    }

    boolean hasBatch() {
        return available >= batchSize;
    }

    /** Pairs in order, waiting to be trained. */
    long available() {
        return available;
    }

    /** The task of the next record the stream waits for: every task before it has all its records in order. */
    long frontierTask() {
        return nextTask;
    }

    /** Whether record {@code sequence} of task {@code taskId} is in hand or passed. */
    boolean has(long taskId, int sequence) {
        return before(taskId, sequence, nextTask, nextSequence) || early.containsKey(new Position(taskId, sequence, 0));
    }

    /** The next {@code batchSize} pairs of the stream; each trained sample goes to the tally. */
    PairBatch take() {
        if (!hasBatch()) {
            throw new IllegalStateException("only " + available + " of " + batchSize + " pairs are waiting");
        }
        byte[] view1 = new byte[batchSize * pairBytes];
        byte[] view2 = new byte[batchSize * pairBytes];
        long[] samples = new long[batchSize];
        int filled = 0;
        while (filled < batchSize) {
            Segment head = ready.peek();
            if (!head.accounted) {
                // when the trained stream reaches the record: a function of the stream, not of arrivals
                tally.unreadable(plan.epoch(head.taskId), head.unreadable);
                head.accounted = true;
            }
            int n = Math.min(head.remaining(), batchSize - filled);
            if (n > 0) {
                System.arraycopy(head.view1, head.taken * pairBytes, view1, filled * pairBytes, n * pairBytes);
                System.arraycopy(head.view2, head.taken * pairBytes, view2, filled * pairBytes, n * pairBytes);
                System.arraycopy(head.samples, head.taken, samples, filled, n);
                tally.trained(plan.epoch(head.taskId), head.samples, head.taken, n);
                head.taken += n;
                filled += n;
            }
            if (head.remaining() == 0) {
                ready.poll(); // records without pairs (gaps, all unreadable) are passed here, in order
            }
        }
        available -= batchSize;
        return new PairBatch(view1, view2, batchSize, height, width, samples);
    }

    /** The first pair not trained: where a resumed run's stream starts. */
    Position position() {
        Segment head = ready.peek();
        return head == null
                ? new Position(nextTask, nextSequence, 0)
                : new Position(head.taskId, head.sequence, head.taken);
    }

    /**
     * Where a resumed trainer starts reading, for each partition: the first record it still needs
     * (held, not entirely trained), else the offset after the last one read.
     */
    List<PartitionCursor> cursor(Collection<Integer> partitions) {
        Map<Integer, Long> offsets = new TreeMap<>();
        for (int partition : partitions) {
            offsets.put(partition, nextOffsets.getOrDefault(partition, 0L));
        }
        nextOffsets.forEach(offsets::putIfAbsent);
        for (Segment segment : ready) {
            offsets.merge(segment.partition, segment.offset, Math::min);
        }
        for (Segment segment : early.values()) {
            offsets.merge(segment.partition, segment.offset, Math::min);
        }
        return offsets.entrySet().stream()
                .map(e -> PartitionCursor.newBuilder()
                        .setPartition(e.getKey())
                        .setOffset(e.getValue())
                        .build())
                .toList();
    }
}
