package io.twinview.trainer.run;

import com.google.protobuf.ByteString;
import io.twinview.proto.v1.EpochSamples;
import io.twinview.proto.v1.SampleCounts;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The trainer's own account of what it trained: per epoch, how many times each sample index was in
 * a trained batch, and which samples the workers could not read. Stored with every checkpoint as
 * its "samples" object ({@link SampleCounts}) and restored on resume, so the account of the final
 * checkpoint covers the whole run, across every process that trained it.
 */
final class SampleTally {

    private final int datasetSize;
    private final Map<Integer, byte[]> counts = new TreeMap<>();
    private final Map<Integer, TreeSet<Long>> unreadable = new TreeMap<>();

    SampleTally(int datasetSize) {
        this.datasetSize = datasetSize;
    }

    /** Samples {@code [from, from + n)} of {@code samples}, of one epoch, were trained once each. */
    void trained(int epoch, long[] samples, int from, int n) {
        byte[] epochCounts = counts.computeIfAbsent(epoch, e -> new byte[datasetSize]);
        for (int i = from; i < from + n; i++) {
            int sample = (int) samples[i];
            if (epochCounts[sample] != (byte) 255) { // saturating at 255, as SampleCounts says
                epochCounts[sample]++;
            }
        }
    }

    /** Samples of one epoch a worker could not read: never trained. */
    void unreadable(int epoch, long[] samples) {
        if (samples.length == 0) {
            return;
        }
        TreeSet<Long> set = unreadable.computeIfAbsent(epoch, e -> new TreeSet<>());
        for (long sample : samples) {
            set.add(sample);
        }
    }

    SampleCounts toProto() {
        TreeSet<Integer> epochs = new TreeSet<>(counts.keySet());
        epochs.addAll(unreadable.keySet());
        SampleCounts.Builder proto = SampleCounts.newBuilder().setDatasetSize(datasetSize);
        for (int epoch : epochs) {
            byte[] epochCounts = counts.getOrDefault(epoch, new byte[datasetSize]);
            proto.addEpochs(EpochSamples.newBuilder()
                    .setEpoch(epoch)
                    .setCounts(ByteString.copyFrom(epochCounts))
                    .addAllUnreadable(unreadable.getOrDefault(epoch, new TreeSet<>())));
        }
        return proto.build();
    }

    /** Continues the account a checkpoint stored. */
    void restore(SampleCounts stored) {
        if (stored.getDatasetSize() != datasetSize) {
            throw new IllegalArgumentException("the checkpoint's samples object counts " + stored.getDatasetSize()
                    + " samples per epoch, this run's dataset has " + datasetSize);
        }
        counts.clear();
        unreadable.clear();
        for (EpochSamples epoch : stored.getEpochsList()) {
            counts.put(epoch.getEpoch(), epoch.getCounts().toByteArray());
            if (epoch.getUnreadableCount() > 0) {
                unreadable.put(epoch.getEpoch(), new TreeSet<>(epoch.getUnreadableList()));
            }
        }
    }
}
