package io.twinview.trainer.run;

import io.twinview.proto.v1.PartitionCursor;
import io.twinview.trainer.train.PairBatch;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Cuts the stream of accepted ViewBatch records into global batches of exactly {@code batchSize}
 * pairs, first in first out, and knows where a resumed trainer must start reading again so that
 * no pair is lost or trained twice: per partition, the first record not entirely trained on and
 * how many of its pairs were.
 */
final class BatchAssembler {

    /** One accepted record; {@code taken} of its {@code count} pairs are in earlier batches. */
    private static final class Segment {
        final int partition;
        final long offset;
        final long taskId;
        final int sequence;
        final int batchCount;
        final byte[] view1;
        final byte[] view2;
        final long[] samples;
        final int count;
        int taken;

        Segment(
                int partition,
                long offset,
                long taskId,
                int sequence,
                int batchCount,
                byte[] view1,
                byte[] view2,
                long[] samples,
                int taken) {
            this.partition = partition;
            this.offset = offset;
            this.taskId = taskId;
            this.sequence = sequence;
            this.batchCount = batchCount;
            this.view1 = view1;
            this.view2 = view2;
            this.samples = samples;
            this.count = samples.length;
            this.taken = taken;
        }
    }

    private final int batchSize;
    private final int height;
    private final int width;
    private final int pairBytes;
    private final ArrayDeque<Segment> queue = new ArrayDeque<>();
    /** Per partition: the offset after the last record handed to this assembler (accepted or not). */
    private final Map<Integer, Long> nextOffsets = new TreeMap<>();

    private long available;

    BatchAssembler(int batchSize, int height, int width) {
        this.batchSize = batchSize;
        this.height = height;
        this.width = width;
        this.pairBytes = height * width * 3;
    }

    /**
     * An accepted record.
     *
     * @param alreadyTrained pairs at its start a previous process trained on (resume)
     */
    void add(
            int partition,
            long offset,
            long taskId,
            int sequence,
            int batchCount,
            byte[] view1,
            byte[] view2,
            long[] samples,
            int alreadyTrained) {
        passed(partition, offset);
        if (alreadyTrained >= samples.length) {
            return;
        }
        queue.add(new Segment(partition, offset, taskId, sequence, batchCount, view1, view2, samples, alreadyTrained));
        available += samples.length - alreadyTrained;
    }

    /** A record read but not accepted (rejected or duplicate): only the read position moves. */
    void passed(int partition, long offset) {
        nextOffsets.merge(partition, offset + 1, Math::max);
    }

    boolean hasBatch() {
        return available >= batchSize;
    }

    /** Pairs waiting. */
    long available() {
        return available;
    }

    PairBatch take() {
        if (!hasBatch()) {
            throw new IllegalStateException("only " + available + " of " + batchSize + " pairs are waiting");
        }
        byte[] view1 = new byte[batchSize * pairBytes];
        byte[] view2 = new byte[batchSize * pairBytes];
        long[] samples = new long[batchSize];
        int filled = 0;
        while (filled < batchSize) {
            Segment head = queue.peek();
            int n = Math.min(head.count - head.taken, batchSize - filled);
            System.arraycopy(head.view1, head.taken * pairBytes, view1, filled * pairBytes, n * pairBytes);
            System.arraycopy(head.view2, head.taken * pairBytes, view2, filled * pairBytes, n * pairBytes);
            System.arraycopy(head.samples, head.taken, samples, filled, n);
            head.taken += n;
            filled += n;
            if (head.taken == head.count) {
                queue.poll();
            }
        }
        available -= batchSize;
        return new PairBatch(view1, view2, batchSize, height, width, samples);
    }

    /** Where to read again after a restart, for each partition this assembler has seen. */
    List<PartitionCursor> cursor(Collection<Integer> partitions) {
        Map<Integer, PartitionCursor> cursor = new TreeMap<>();
        for (int partition : partitions) {
            long next = nextOffsets.getOrDefault(partition, 0L);
            cursor.put(
                    partition,
                    PartitionCursor.newBuilder()
                            .setPartition(partition)
                            .setOffset(next)
                            .build());
        }
        nextOffsets.forEach((partition, next) -> cursor.putIfAbsent(
                partition,
                PartitionCursor.newBuilder()
                        .setPartition(partition)
                        .setOffset(next)
                        .build()));
        for (Segment segment : queue) {
            PartitionCursor current = cursor.get(segment.partition);
            if (current.getOffset() > segment.offset) { // first waiting record of its partition wins
                cursor.put(
                        segment.partition,
                        PartitionCursor.newBuilder()
                                .setPartition(segment.partition)
                                .setOffset(segment.offset)
                                .setSkipSamples(segment.taken)
                                .build());
            }
        }
        return List.copyOf(cursor.values());
    }

    /** (task, sequence) of the records still waiting, for the ledger's snapshot. */
    Map<Long, TaskLedger.Untrained> untrained() {
        Map<Long, TaskLedger.Untrained> untrained = new HashMap<>();
        for (Segment segment : queue) {
            untrained
                    .computeIfAbsent(segment.taskId, id -> new TaskLedger.Untrained(segment.batchCount, new BitSet()))
                    .sequences()
                    .set(segment.sequence);
        }
        return untrained;
    }
}
