package io.twinview.trainer.run;

import io.twinview.proto.v1.PartitionCursor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/** A views topic in memory, with a reader that behaves like an assigned KafkaConsumer. Test fake. */
final class InMemoryViews {

    final List<List<byte[]>> partitions = new ArrayList<>();

    InMemoryViews(int partitionCount) {
        for (int i = 0; i < partitionCount; i++) {
            partitions.add(new ArrayList<>());
        }
    }

    synchronized void append(int partition, byte[] value) {
        partitions.get(partition).add(value);
    }

    synchronized int size(int partition) {
        return partitions.get(partition).size();
    }

    Reader reader() {
        return new Reader();
    }

    final class Reader implements ViewSource {
        final Map<Integer, Long> positions = new HashMap<>();

        @Override
        public List<Integer> partitions() {
            return IntStream.range(0, InMemoryViews.this.partitions.size())
                    .boxed()
                    .toList();
        }

        @Override
        public void seek(List<PartitionCursor> cursor) {
            positions.clear();
            cursor.forEach(p -> positions.put(p.getPartition(), p.getOffset()));
        }

        @Override
        public List<ViewRecord> poll(Duration timeout) {
            List<ViewRecord> records = new ArrayList<>();
            synchronized (InMemoryViews.this) {
                for (int p = 0; p < InMemoryViews.this.partitions.size(); p++) {
                    List<byte[]> partition = InMemoryViews.this.partitions.get(p);
                    long position = positions.getOrDefault(p, 0L);
                    // a few records per partition per poll, like max.poll.records
                    for (int i = 0; i < 3 && position < partition.size(); i++, position++) {
                        records.add(new ViewRecord(p, position, partition.get((int) position)));
                    }
                    positions.put(p, position);
                }
            }
            return records;
        }

        @Override
        public void close() {}
    }
}
