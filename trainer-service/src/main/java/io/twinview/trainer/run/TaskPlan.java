package io.twinview.trainer.run;

import io.twinview.model.Seeds;
import io.twinview.proto.AugmentSchema;
import io.twinview.proto.v1.AugmentTask;
import io.twinview.proto.v1.RunSpec;
import java.util.SplittableRandom;

/**
 * The run's work, cut into tasks: epoch e visits the dataset in a permutation drawn from (seed, e),
 * and task t of the run takes the next {@code samples_per_task} indices of its epoch's permutation.
 * Task ids run across epochs from 0, so (run, task id) names the same samples in every process.
 */
public final class TaskPlan {

    private final String runId;
    private final ResolvedRun run;
    private final String viewsTopic;
    private final int maxSamplesPerBatch;
    private int cachedEpoch = -1;
    private int[] cachedPermutation;

    /**
     * @param maxSamplesPerBatch upper bound on samples in one ViewBatch record (sized from the topic limit)
     */
    public TaskPlan(String runId, ResolvedRun run, String viewsTopic, int maxSamplesPerBatch) {
        this.runId = runId;
        this.run = run;
        this.viewsTopic = viewsTopic;
        this.maxSamplesPerBatch = maxSamplesPerBatch;
    }

    public long totalTasks() {
        return run.totalTasks();
    }

    public AugmentTask task(long taskId) {
        if (taskId < 0 || taskId >= totalTasks()) {
            throw new IllegalArgumentException("task " + taskId + " outside 0.." + (totalTasks() - 1));
        }
        RunSpec spec = run.spec();
        int epoch = (int) (taskId / run.tasksPerEpoch());
        int first = (int) (taskId % run.tasksPerEpoch()) * spec.getSamplesPerTask();
        int last = Math.min(first + spec.getSamplesPerTask(), run.datasetSize());
        int[] permutation = permutation(epoch);
        AugmentTask.Builder task = AugmentTask.newBuilder()
                .setSchemaVersion(AugmentSchema.VERSION)
                .setRunId(runId)
                .setEpoch(epoch)
                .setTaskId(taskId)
                .setDatasetUri(spec.getDatasetUri())
                .setImageSize(spec.getImageSize())
                .setRecipe(spec.getAugment())
                .setSeed(spec.getSeed())
                .setViewsTopic(viewsTopic)
                .setMaxSamplesPerBatch(maxSamplesPerBatch);
        for (int i = first; i < last; i++) {
            task.addSampleIndices(permutation[i]);
        }
        return task.build();
    }

    /** Number of ViewBatch records a worker makes of a task. */
    public int batchCount(int samples) {
        return (samples + maxSamplesPerBatch - 1) / maxSamplesPerBatch;
    }

    private int[] permutation(int epoch) {
        if (epoch != cachedEpoch) {
            // Fisher-Yates on a stream owned by this epoch
            SplittableRandom random =
                    new SplittableRandom(Seeds.derive(run.spec().getSeed(), "epoch-order-" + epoch));
            int[] order = new int[run.datasetSize()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            for (int i = order.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int swap = order[i];
                order[i] = order[j];
                order[j] = swap;
            }
            cachedPermutation = order;
            cachedEpoch = epoch;
        }
        return cachedPermutation;
    }
}
