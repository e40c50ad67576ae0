package io.twinview.trainer.run;

import io.twinview.proto.v1.RunSpec;

/**
 * A RunSpec with every default filled in and every field checked, plus what follows from it.
 *
 * @param spec the resolved spec (stored with the run and in every manifest)
 * @param datasetSize images per epoch
 * @param totalSteps optimizer steps of the whole run: floor(epochs * datasetSize / batch)
 * @param note what the trainer chose on the user's behalf (held-out split...), empty if nothing
 */
public record ResolvedRun(RunSpec spec, int datasetSize, long totalSteps, String note) {

    public long stepsPerEpoch() {
        return Math.max(1, datasetSize / spec.getBatchSize());
    }

    public int tasksPerEpoch() {
        return (datasetSize + spec.getSamplesPerTask() - 1) / spec.getSamplesPerTask();
    }

    public long totalTasks() {
        return (long) tasksPerEpoch() * spec.getEpochs();
    }
}
