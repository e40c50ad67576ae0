package io.twinview.trainer.run;

import io.twinview.model.Seeds;
import io.twinview.proto.AugmentSchema;
import io.twinview.proto.v1.AugmentTask;
import io.twinview.proto.v1.RunSpec;
import java.util.LinkedHashMap;
import java.util.Map;
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
    /** The two newest epochs' permutations: records of two epochs interleave at an epoch's end. */
    private final Map<Integer, int[]> permutations = new LinkedHashMap<>(4, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, int[]> eldest) {
            return size() > 2;
        }
    };

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
        int epoch = epoch(taskId);
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

    /** The epoch a task of the plan belongs to. */
    public int epoch(long taskId) {
        return (int) (taskId / run.tasksPerEpoch());
    }

    /** Samples in a task of the plan. */
    public int sampleCount(long taskId) {
        int first = (int) (taskId % run.tasksPerEpoch()) * run.spec().getSamplesPerTask();
        return Math.min(run.spec().getSamplesPerTask(), run.datasetSize() - first);
    }

    /** Number of ViewBatch records a worker makes of a task of the plan. */
    public int recordCount(long taskId) {
        return batchCount(sampleCount(taskId));
    }

    /**
     * The sample indices of record {@code sequence} of a task of the plan, in the task's order:
     * its {@code sample_indices [sequence*m, (sequence+1)*m)} with m the most samples per record.
     */
    public long[] chunk(long taskId, int sequence) {
        if (taskId < 0 || taskId >= totalTasks() || sequence < 0 || sequence >= recordCount(taskId)) {
            throw new IllegalArgumentException("task " + taskId + " record " + sequence + " is not in the plan");
        }
        int taskFirst = (int) (taskId % run.tasksPerEpoch()) * run.spec().getSamplesPerTask();
        int first = taskFirst + sequence * maxSamplesPerBatch;
        int last = Math.min(first + maxSamplesPerBatch, taskFirst + sampleCount(taskId));
        int[] permutation = permutation(epoch(taskId));
        long[] chunk = new long[last - first];
        for (int i = first; i < last; i++) {
            chunk[i - first] = permutation[i];
        }
        return chunk;
    }

    /** Number of ViewBatch records a worker makes of a task. */
    public int batchCount(int samples) {
        return (samples + maxSamplesPerBatch - 1) / maxSamplesPerBatch;
    }

    private int[] permutation(int epoch) {
        return permutations.computeIfAbsent(epoch, this::drawPermutation);
    }

    private int[] drawPermutation(int epoch) {
        // Fisher-Yates on a stream owned by this epoch
        SplittableRandom random = new SplittableRandom(Seeds.derive(run.spec().getSeed(), "epoch-order-" + epoch));
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
        return order;
    }
}
