package io.twinview.core.checkpoint;

import com.google.protobuf.InvalidProtocolBufferException;
import io.twinview.proto.v1.EpochSamples;
import io.twinview.proto.v1.SampleCounts;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads the trainer's own account of what a run trained: a checkpoint's "samples" object
 * ({@link SampleCounts}, checkpoint.proto), and says per epoch which samples were trained more than
 * once and which never were (leaving out those the workers could not read). The account of a run's
 * final checkpoint covers every process that trained it.
 */
public final class SampleAccount {

    /** The checkpoint object holding the account. */
    public static final String OBJECT = "samples";

    private final SampleCounts counts;
    private final Map<Integer, EpochSamples> epochs = new TreeMap<>();

    private SampleAccount(SampleCounts counts) {
        this.counts = counts;
        for (EpochSamples epoch : counts.getEpochsList()) {
            if (epoch.getCounts().size() != counts.getDatasetSize()) {
                throw new IllegalArgumentException("epoch " + epoch.getEpoch() + " of the sample account counts "
                        + epoch.getCounts().size() + " samples, the dataset has " + counts.getDatasetSize());
            }
            epochs.put(epoch.getEpoch(), epoch);
        }
    }

    public static SampleAccount of(SampleCounts counts) {
        return new SampleAccount(counts);
    }

    /** @throws IllegalArgumentException when {@code data} is not a SampleCounts message */
    public static SampleAccount parse(byte[] data) {
        try {
            return new SampleAccount(SampleCounts.parseFrom(data));
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("the samples object is not a SampleCounts: " + e.getMessage(), e);
        }
    }

    public SampleCounts counts() {
        return counts;
    }

    /** Samples in one epoch of the run's plan. */
    public long datasetSize() {
        return counts.getDatasetSize();
    }

    /** Epochs with at least one sample trained or unreadable, ascending. */
    public List<Integer> epochs() {
        return List.copyOf(epochs.keySet());
    }

    /** How many times {@code sample} was trained in {@code epoch} (saturating at 255). */
    public int timesTrained(int epoch, long sample) {
        EpochSamples samples = epochs.get(epoch);
        return samples == null ? 0 : Byte.toUnsignedInt(samples.getCounts().byteAt((int) sample));
    }

    /** Samples of {@code epoch} the workers could not read, ascending. */
    public List<Long> unreadable(int epoch) {
        EpochSamples samples = epochs.get(epoch);
        return samples == null ? List.of() : List.copyOf(samples.getUnreadableList());
    }

    /** Samples of {@code epoch} trained more than once, ascending. */
    public List<Long> duplicated(int epoch) {
        List<Long> duplicated = new ArrayList<>();
        for (long sample = 0; sample < datasetSize(); sample++) {
            if (timesTrained(epoch, sample) > 1) {
                duplicated.add(sample);
            }
        }
        return duplicated;
    }

    /** Samples of {@code epoch} never trained and not unreadable, ascending (every sample of an epoch absent here). */
    public List<Long> missing(int epoch) {
        List<Long> unreadable = unreadable(epoch);
        List<Long> missing = new ArrayList<>();
        for (long sample = 0; sample < datasetSize(); sample++) {
            if (timesTrained(epoch, sample) == 0 && java.util.Collections.binarySearch(unreadable, sample) < 0) {
                missing.add(sample);
            }
        }
        return missing;
    }

    /** Missing samples over epochs {@code 0 .. epochs - 1}. */
    public long missingTotal(int epochs) {
        long total = 0;
        for (int epoch = 0; epoch < epochs; epoch++) {
            total += missing(epoch).size();
        }
        return total;
    }

    /** Extra trainings over all epochs: a sample trained three times in an epoch counts two. */
    public long duplicatedTotal() {
        long total = 0;
        for (int epoch : epochs.keySet()) {
            for (long sample = 0; sample < datasetSize(); sample++) {
                total += Math.max(0, timesTrained(epoch, sample) - 1);
            }
        }
        return total;
    }
}
