package io.twinview.trainer.run;

import io.twinview.proto.v1.PartitionCursor;
import java.time.Duration;
import java.util.List;

/** The run's views topic, read by one trainer from positions the trainer chooses. */
public interface ViewSource extends AutoCloseable {

    /** Partition numbers of the topic. */
    List<Integer> partitions();

    /** Moves each listed partition to its offset; partitions not listed start from the beginning. */
    void seek(List<PartitionCursor> positions);

    /** Records in partition order, at most {@code timeout} of waiting. */
    List<ViewRecord> poll(Duration timeout);

    @Override
    void close();
}
