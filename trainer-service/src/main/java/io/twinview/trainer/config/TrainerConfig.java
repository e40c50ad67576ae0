package io.twinview.trainer.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.twinview.trainer.run.RunLimits;
import java.time.Duration;
import java.util.Optional;

/** Settings of trainer-service ({@code twinview.trainer.*}). */
@ConfigMapping(prefix = "twinview.trainer")
public interface TrainerConfig {

    /** Shared topic of AugmentTasks. Default {@code twinview.augment-tasks}. */
    @WithDefault("twinview.augment-tasks")
    String tasksTopic();

    /**
     * Partitions of the tasks topic when the trainer creates it: at least the most workers a
     * deployment runs (a partition goes to one worker of the group). Workers raise an existing
     * topic to their own setting. Default 32.
     */
    @WithDefault("32")
    int tasksPartitions();

    /** Topic of CheckpointEvents. Default {@code twinview.checkpoints}. */
    @WithDefault("twinview.checkpoints")
    String checkpointsTopic();

    /** Partitions of each run's views topic. Default 4. */
    @WithDefault("4")
    int viewsPartitions();

    /** How long views stay in a run's topic. Default 6 hours. */
    @WithDefault("6h")
    Duration viewsRetention();

    /** Bytes each views-topic partition keeps at most. Default 2 GiB. */
    @WithDefault("2147483648")
    long viewsRetentionBytes();

    /** Most tasks published and not yet complete: how far workers may run ahead. Default 8. */
    @WithDefault("8")
    int windowTasks();

    /**
     * Republish open tasks when no view arrives for this long. A stalled run then asks the broker
     * whether any augment worker is in {@link #augmentGroup}: when none is, it reports waiting for
     * workers and republishes with a capped exponential backoff, and at once when one joins. Default 60 s.
     */
    @WithDefault("60s")
    Duration stallTimeout();

    /**
     * The augment workers' consumer group (their {@code twinview.augment.group-id}): a stalled run asks
     * the broker for its members. Default {@code twinview-augment}.
     */
    @WithDefault("twinview-augment")
    String augmentGroup();

    /** cpu, gpu, or auto (a GPU when the engine sees one). Default auto. */
    @WithDefault("auto")
    String device();

    /**
     * PyTorch intra-op threads a run trains with when its spec sets none (RunSpec {@code threads});
     * 0 = the engine's default (the number of cores). The resolved spec stores the number, so a
     * resumed run trains on as many threads as before, and its weights stay bit-identical. Default 0.
     */
    @WithDefault("0")
    int threads();

    /** At startup, continue the newest run left RUNNING by a previous process. Default true. */
    @WithDefault("true")
    boolean resumeUnfinished();

    /**
     * How often an idle trainer looks for a queued run (StartRun on a busy trainer queues it in object
     * storage, for every replica), and a training one for a CancelRun made through another replica. A
     * trainer also looks at once when its run ends. Default 2 s.
     */
    @WithDefault("2s")
    Duration queuePollInterval();

    /**
     * On SIGTERM, how long the running run may take to finish its step and write a checkpoint of it
     * before the process closes its clients and exits: a resnet18 step at batch 256 on CPU takes up
     * to about a minute, its checkpoint 100-200 MB to S3. Keep it below the pod's
     * terminationGracePeriodSeconds (300 s in k8s/base/trainer.yaml) with about a minute to spare for
     * closing the clients; under Kubernetes' default 30 s grace, set about 20 s. A run that misses it
     * resumes from its previous checkpoint. Default 240 s.
     */
    @WithDefault("240s")
    Duration shutdownCheckpointTimeout();

    /**
     * This trainer's name in run leases ({@code runs/<id>/lease.json}): unique among the trainers that
     * run at once. A process that starts under the name of a lease's holder takes that run over at once
     * (the earlier process of that name is gone); any other waits the lease out. Default empty:
     * {@code <hostname>-<pid>} ($HOSTNAME, a pod's name under Kubernetes).
     */
    Optional<String> instanceId();

    /** The run lease that lets one trainer at a time train a run ({@code twinview.trainer.lease.*}). */
    Lease lease();

    /** {@code twinview.trainer.lease.*}; see docs/architecture.md, "Fencing: one trainer per run". */
    interface Lease {

        /**
         * How long a lease lives unrenewed: another trainer takes the run over once it has seen the lease
         * unchanged this long (a crashed trainer's run waits this long before it resumes elsewhere).
         * Default 30 s.
         */
        @WithDefault("30s")
        Duration ttl();

        /** How often the holder renews its lease: at most half the ttl. Default 10 s. */
        @WithDefault("10s")
        Duration renewInterval();

        /**
         * How long a claimer waits before it reads its claim back to catch a racing claim (the last writer
         * wins): above the store's latency for a small PUT, below the renew interval. Default 500 ms.
         */
        @WithDefault("500ms")
        Duration settle();
    }

    /** How long the readiness check waits for Kafka and for S3, each. Default 2 s. */
    @WithDefault("2s")
    Duration readinessTimeout();

    /** Which checkpoints of a run stay in object storage ({@code twinview.trainer.retention.*}). */
    Retention retention();

    /**
     * {@code twinview.trainer.retention.*}: the defaults of a RunSpec's {@code retention} fields. A
     * run keeps its newest {@code keep-last} checkpoints, its {@code keep-best} best-evaluated ones
     * and always its newest; the rest are deleted as new checkpoints are published.
     */
    interface Retention {

        /** Newest checkpoints a run keeps; 0 keeps every checkpoint. Default 5. */
        @WithDefault("5")
        int keepLast();

        /** Best-scoring checkpoints (k-NN top-1 of the eval-service's reports) a run keeps besides. Default 1. */
        @WithDefault("1")
        int keepBest();
    }

    /** Bounds on the sizes a RunSpec controls ({@code twinview.trainer.limits.*}); see {@link RunLimits}. */
    Limits limits();

    /** {@code twinview.trainer.limits.*}: a spec over one of these is refused naming the field and the bound. */
    interface Limits {

        /** Most epochs of a run. Default 1000. */
        @WithDefault("1000")
        int maxEpochs();

        /** Largest batch_size. Default 4096. */
        @WithDefault("4096")
        int maxBatchSize();

        /**
         * Largest batch_size x image_size^2 (and samples_per_task x image_size^2): the step's memory
         * grows with it. Default 12845056 (256 x 224^2).
         */
        @WithDefault("12845056")
        long maxBatchPixels();

        /** Largest image_size, 8..512. Default 512. */
        @WithDefault("512")
        int maxImageSize();

        /** Largest samples_per_task. Default 4096. */
        @WithDefault("4096")
        int maxSamplesPerTask();

        /** Largest queue of negatives (MoCo's queue_size). Default 65536. */
        @WithDefault("65536")
        int maxQueueSize();

        /**
         * Least training time between two periodic checkpoints, whatever checkpoint_every_steps asks
         * (the last step, a preemption and running out of views checkpoint regardless). Default 10 s.
         */
        @WithDefault("10s")
        Duration minCheckpointInterval();

        /** As the domain type. */
        default RunLimits toRunLimits() {
            return new RunLimits(
                    maxEpochs(),
                    maxBatchSize(),
                    maxBatchPixels(),
                    maxImageSize(),
                    maxSamplesPerTask(),
                    maxQueueSize(),
                    minCheckpointInterval());
        }
    }
}
