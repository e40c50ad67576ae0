package io.twinview.augment.kafka;

import com.google.protobuf.UnsafeByteOperations;
import io.twinview.augment.BatchAugmenter;
import io.twinview.augment.SampleRejection;
import io.twinview.augment.TwoViewAugmenter;
import io.twinview.augment.TwoViewPolicy;
import io.twinview.core.data.DatasetPolicy;
import io.twinview.core.data.Datasets;
import io.twinview.core.data.ImageDataset;
import io.twinview.proto.AugmentSchema;
import io.twinview.proto.v1.AugmentTask;
import io.twinview.proto.v1.RejectedSample;
import io.twinview.proto.v1.ViewBatch;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Turns one AugmentTask into its ViewBatch records on the task's views topic. Used by one
 * thread (the worker loop); the augmentation itself fans out over {@link BatchAugmenter}'s pool.
 *
 * <p>Record {@code k} of a task holds samples {@code [k*m, min((k+1)*m, n))} of its
 * {@code sample_indices} in their order ({@code m = max_samples_per_batch}), with
 * {@code sequence = k} and {@code batch_count = ceil(n / m)}, the count the trainer expects.
 * All records of a task carry the task id as key, so they land in one partition in order.
 *
 * <p>A sample whose image cannot be read ({@link io.twinview.core.data.DatasetException} from the
 * dataset) does not fail its task: record {@code k} leaves it out of {@code sample_indices} and the
 * views and lists it in {@code rejected_sample_indices}, and a {@link RejectedSample} goes to the
 * dead-letter topic. The task is done only when its ViewBatches and its dead letters are all
 * acknowledged, so a redone task sends both again (the trainer drops duplicate ViewBatches; dead
 * letters are diagnostics and may repeat).
 */
final class TaskProcessor {

    /** Longest wait for the acknowledgement of one send: past the producer's 120 s delivery timeout. */
    private static final long ACK_TIMEOUT_SECONDS = 150;

    private static final long ADMIN_TIMEOUT_SECONDS = 30;
    /** Open datasets and augmenters kept; a worker serves few runs at once. */
    private static final int CACHE_ENTRIES = 16;

    private final Admin admin;
    private final BatchAugmenter batches;
    private final String workerId;
    private final String deadLetterTopic;
    private final Function<String, ImageDataset> opener;
    private final DatasetPolicy policy;
    private final Map<String, ImageDataset> datasets = lru(CACHE_ENTRIES);
    private final Map<AugmenterKey, TwoViewAugmenter> augmenters = lru(CACHE_ENTRIES);
    private final Map<String, Boolean> knownTopics = lru(256);

    private record AugmenterKey(TwoViewPolicy policy, int imageSize) {}

    /** What became of a task. */
    sealed interface Outcome {
        /**
         * Every record acknowledged by the broker.
         *
         * @param samples   samples with views
         * @param rejected  samples whose image could not be read, dead-lettered
         * @param lastRejection the last of them and why, or null
         */
        record Done(int batches, int samples, int rejected, String lastRejection) implements Outcome {}

        /** The task cannot be worked on, now or ever; the reason names the field or resource. */
        record Skipped(String reason) implements Outcome {}

        /** The worker is stopping: the task was left part-way, for another worker. */
        record Abandoned(int sentBatches) implements Outcome {}
    }

    /** Views of a task did not all reach the broker; producing it again may succeed. */
    static final class ProduceFailure extends Exception {
        ProduceFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * @param opener opens a dataset URI ({@link Datasets#open} in production; tests inject datasets
     *               with unreadable samples), throwing {@link io.twinview.core.data.DatasetException}
     * @param policy the roots every task's dataset URI is checked against before {@code opener} sees it
     */
    TaskProcessor(
            Admin admin,
            BatchAugmenter batches,
            String workerId,
            String deadLetterTopic,
            Function<String, ImageDataset> opener,
            DatasetPolicy policy) {
        this.admin = admin;
        this.policy = policy;
        this.batches = batches;
        this.workerId = workerId;
        this.deadLetterTopic = deadLetterTopic;
        this.opener = opener;
    }

    /**
     * Makes and sends every ViewBatch of the task and waits for all acknowledgements.
     *
     * @param stopping checked before each record: true abandons the task
     * @throws ProduceFailure       when a send fails or the views topic cannot be described
     * @throws InterruptedException when the thread is interrupted while augmenting or waiting
     */
    Outcome process(AugmentTask task, Producer<byte[], byte[]> producer, BooleanSupplier stopping)
            throws ProduceFailure, InterruptedException {
        String problem = TaskChecks.problem(task);
        if (problem == null) {
            problem = TaskChecks.datasetProblem(task, policy);
        }
        if (problem != null) {
            return new Outcome.Skipped(problem);
        }
        int imageSize = task.getImageSize();
        TwoViewAugmenter augmenter;
        try {
            augmenter = augmenter(PolicyMapper.toDomain(task.getRecipe(), imageSize), imageSize);
        } catch (IllegalArgumentException e) {
            return new Outcome.Skipped("recipe: " + e.getMessage());
        }
        ImageDataset dataset;
        try {
            dataset = dataset(task.getDatasetUri());
        } catch (RuntimeException e) { // DatasetException names the URI and the problem
            return new Outcome.Skipped("dataset: " + e.getMessage());
        }
        problem = TaskChecks.indexProblem(task, dataset);
        if (problem == null) {
            problem = viewsTopicProblem(task.getViewsTopic());
        }
        if (problem != null) {
            return new Outcome.Skipped(problem);
        }

        long[] indices =
                task.getSampleIndicesList().stream().mapToLong(Long::longValue).toArray();
        int perBatch = (int) Math.min(Integer.toUnsignedLong(task.getMaxSamplesPerBatch()), indices.length);
        int batchCount = TaskChecks.batchCount(task);
        long epoch = Integer.toUnsignedLong(task.getEpoch());
        byte[] key = Long.toUnsignedString(task.getTaskId()).getBytes(StandardCharsets.UTF_8);
        byte[] runKey = task.getRunId().getBytes(StandardCharsets.UTF_8);
        List<Future<RecordMetadata>> sends = new ArrayList<>(batchCount);
        List<Future<RecordMetadata>> deadLetters = new ArrayList<>();
        int augmented = 0;
        int rejected = 0;
        String lastRejection = null;
        for (int sequence = 0; sequence < batchCount; sequence++) {
            if (stopping.getAsBoolean()) {
                return new Outcome.Abandoned(sequence);
            }
            int from = sequence * perBatch;
            int to = Math.min(from + perBatch, indices.length);
            BatchAugmenter.Views views;
            try {
                views = batches.augmentOrReject(
                        augmenter, dataset, indices, from, to, task.getSeed(), epoch); // 2 x [n, s, s, 3]
            } catch (RuntimeException e) {
                return new Outcome.Skipped("augmenting samples " + from + ".." + (to - 1) + " failed: " + e);
            }
            for (SampleRejection rejection : views.rejections()) {
                RejectedSample letter = RejectedSample.newBuilder()
                        .setSchemaVersion(AugmentSchema.VERSION)
                        .setRunId(task.getRunId())
                        .setTaskId(task.getTaskId())
                        .setEpoch(task.getEpoch())
                        .setDatasetUri(task.getDatasetUri())
                        .setSampleIndex(rejection.index())
                        .setReason(rejection.reason())
                        .setDetail(rejection.detail())
                        .setWorkerId(workerId)
                        .setRejectedAtMs(System.currentTimeMillis())
                        .build();
                try {
                    deadLetters.add(producer.send(new ProducerRecord<>(deadLetterTopic, runKey, letter.toByteArray())));
                } catch (KafkaException | IllegalStateException e) {
                    throw failure(
                            task,
                            "sending the dead letter of sample " + Long.toUnsignedString(rejection.index()) + " to "
                                    + deadLetterTopic + " failed: " + e,
                            e);
                }
                lastRejection = "sample " + Long.toUnsignedString(rejection.index()) + " of " + task.getDatasetUri()
                        + " (" + rejection.reason() + "): " + rejection.detail();
            }
            augmented += views.samples().length;
            rejected += views.rejections().size();
            ViewBatch batch = ViewBatch.newBuilder()
                    .setSchemaVersion(AugmentSchema.VERSION)
                    .setRunId(task.getRunId())
                    .setEpoch(task.getEpoch())
                    .setTaskId(task.getTaskId())
                    .setSequence(sequence)
                    .setBatchCount(batchCount)
                    .setHeight(imageSize)
                    .setWidth(imageSize)
                    .setChannels(3)
                    .setView1(UnsafeByteOperations.unsafeWrap(views.view1())) // fresh arrays, never written again
                    .setView2(UnsafeByteOperations.unsafeWrap(views.view2()))
                    .addAllSampleIndices(LongStream.of(views.samples()).boxed().toList())
                    .addAllRejectedSampleIndices(views.rejections().stream()
                            .map(SampleRejection::index)
                            .toList())
                    .setWorkerId(workerId)
                    .build();
            Future<RecordMetadata> send;
            try {
                send = producer.send(new ProducerRecord<>(task.getViewsTopic(), key, batch.toByteArray()));
            } catch (KafkaException | IllegalStateException e) {
                throw failure(task, "sending ViewBatch " + sequence + " of " + batchCount + " failed: " + e, e);
            }
            if (send.isDone()) { // failed at once (no broker within max.block.ms): the rest of the task would too
                try {
                    send.get();
                } catch (ExecutionException e) {
                    throw failure(
                            task,
                            "sending ViewBatch " + sequence + " of " + batchCount + " failed: " + e.getCause(),
                            e.getCause());
                }
            }
            sends.add(send);
        }
        producer.flush();
        for (int sequence = 0; sequence < sends.size(); sequence++) {
            try {
                sends.get(sequence).get(ACK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw failure(
                        task,
                        "ViewBatch " + sequence + " of " + batchCount + " was not acknowledged: " + e.getCause(),
                        e.getCause());
            } catch (TimeoutException e) {
                throw failure(
                        task,
                        "ViewBatch " + sequence + " of " + batchCount + " not acknowledged within "
                                + ACK_TIMEOUT_SECONDS + " s",
                        e);
            }
        }
        for (Future<RecordMetadata> letter : deadLetters) {
            try {
                letter.get(ACK_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw failure(
                        task,
                        "a dead letter to " + deadLetterTopic + " was not acknowledged: " + e.getCause(),
                        e.getCause());
            } catch (TimeoutException e) {
                throw failure(
                        task,
                        "a dead letter to " + deadLetterTopic + " not acknowledged within " + ACK_TIMEOUT_SECONDS
                                + " s",
                        e);
            }
        }
        return new Outcome.Done(batchCount, augmented, rejected, lastRejection);
    }

    private ProduceFailure failure(AugmentTask task, String message, Throwable cause) {
        knownTopics.remove(task.getViewsTopic()); // it may have been deleted: describe it again next time
        return new ProduceFailure(message, cause);
    }

    private TwoViewAugmenter augmenter(TwoViewPolicy policy, int imageSize) {
        AugmenterKey key = new AugmenterKey(policy, imageSize);
        TwoViewAugmenter augmenter = augmenters.get(key);
        if (augmenter == null) {
            augmenter = new TwoViewAugmenter(policy, imageSize);
            augmenters.put(key, augmenter);
        }
        return augmenter;
    }

    /** Open datasets by URI; a URI that fails is tried again on its next task (a directory may appear). */
    private ImageDataset dataset(String uri) {
        ImageDataset dataset = datasets.get(uri);
        if (dataset == null) {
            dataset = opener.apply(uri);
            datasets.put(uri, dataset);
        }
        return dataset;
    }

    /** Why records cannot go to the topic (it does not exist, or its name is invalid), or null. */
    private String viewsTopicProblem(String topic) throws ProduceFailure, InterruptedException {
        if (knownTopics.containsKey(topic)) {
            return null;
        }
        try {
            admin.describeTopics(List.of(topic)).allTopicNames().get(ADMIN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            knownTopics.put(topic, Boolean.TRUE);
            return null;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return "views topic " + topic
                        + " does not exist (brokers do not create topics; the trainer creates it per run)";
            }
            if (e.getCause() instanceof InvalidTopicException) {
                return "views_topic '" + topic + "' is not a valid topic name";
            }
            throw new ProduceFailure("cannot describe views topic " + topic + ": " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new ProduceFailure(
                    "cannot describe views topic " + topic + " within " + ADMIN_TIMEOUT_SECONDS + " s", e);
        }
    }

    private static <K, V> Map<K, V> lru(int entries) {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > entries;
            }
        };
    }
}
