package io.twinview.trainer.run;

import com.google.protobuf.ByteString;
import io.twinview.proto.AugmentSchema;
import io.twinview.proto.v1.AugmentTask;
import io.twinview.proto.v1.ViewBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Stands in for augment-service: turns each published task into ViewBatch records the way a
 * worker does (chunks of at most max_samples_per_batch), with pixels derived from the sample index.
 * Can also misbehave: duplicate records, garbage, wrong shapes. Test fake.
 */
public class FakeWorkers implements TaskSink {

    private final InMemoryViews views;
    final List<AugmentTask> published = new ArrayList<>();
    int duplicateEvery;
    int garbageEvery;
    int wrongShapeEvery;
    /** Samples whose index is a multiple of this are unreadable: listed as rejected, without pixels (0 = none). */
    int unreadableEvery;

    private int produced;

    FakeWorkers(InMemoryViews views) {
        this.views = views;
    }

    @Override
    public void publish(List<AugmentTask> tasks) {
        for (AugmentTask task : tasks) {
            published.add(task);
            work(task);
        }
    }

    private void work(AugmentTask task) {
        int partition = (int) (task.getTaskId() % views.partitions.size());
        int n = task.getSampleIndicesCount();
        int max = task.getMaxSamplesPerBatch();
        int count = (n + max - 1) / max;
        for (int seq = 0; seq < count; seq++) {
            List<Long> chunk = task.getSampleIndicesList().subList(seq * max, Math.min(n, (seq + 1) * max));
            List<Long> samples = chunk.stream().filter(s -> !unreadable(s)).toList();
            ViewBatch batch = batch(task, seq, count, samples, task.getImageSize()).toBuilder()
                    .addAllRejectedSampleIndices(
                            chunk.stream().filter(this::unreadable).toList())
                    .build();
            produced++;
            if (garbageEvery > 0 && produced % garbageEvery == 0) {
                views.append(partition, new byte[] {(byte) 0xff, 0x01, 0x02});
            }
            if (wrongShapeEvery > 0 && produced % wrongShapeEvery == 0) {
                views.append(
                        partition,
                        batch(task, seq, count, samples, task.getImageSize() + 1)
                                .toByteArray());
                continue; // the good copy of this record never comes: its pairs are lost
            }
            views.append(partition, batch.toByteArray());
            if (duplicateEvery > 0 && produced % duplicateEvery == 0) {
                views.append((partition + 1) % views.partitions.size(), batch.toByteArray());
            }
        }
    }

    private boolean unreadable(long sample) {
        return unreadableEvery > 0 && sample % unreadableEvery == 0;
    }

    public static ViewBatch batch(AugmentTask task, int seq, int count, List<Long> samples, int size) {
        int bytes = samples.size() * size * size * 3;
        byte[] view1 = new byte[bytes];
        byte[] view2 = new byte[bytes];
        int per = size * size * 3;
        for (int i = 0; i < samples.size(); i++) {
            Random random = new Random(samples.get(i) * 31 + task.getEpoch());
            byte[] pixels = new byte[per];
            random.nextBytes(pixels);
            System.arraycopy(pixels, 0, view1, i * per, per);
            random.nextBytes(pixels);
            System.arraycopy(pixels, 0, view2, i * per, per);
        }
        return ViewBatch.newBuilder()
                .setSchemaVersion(AugmentSchema.VERSION)
                .setRunId(task.getRunId())
                .setEpoch(task.getEpoch())
                .setTaskId(task.getTaskId())
                .setSequence(seq)
                .setBatchCount(count)
                .setHeight(size)
                .setWidth(size)
                .setChannels(3)
                .setView1(ByteString.copyFrom(view1))
                .setView2(ByteString.copyFrom(view2))
                .addAllSampleIndices(samples)
                .setWorkerId("fake")
                .build();
    }
}
