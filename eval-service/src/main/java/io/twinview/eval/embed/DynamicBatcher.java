package io.twinview.eval.embed;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jboss.logging.Logger;

/**
 * Collects the images of concurrent callers of the same encoder into forward passes of at most
 * {@code maxBatch} images (Triton's and TorchServe's dynamic batching). A pass goes as soon as
 * {@code maxBatch} images wait, or as many calls wait as the encoder's previous pass served, or the
 * first waiting call has waited {@code maxDelay}, whichever comes first.
 *
 * <p>Deviation from a fixed queue delay, and why: waiting the whole delay for company that cannot come
 * costs every call of a lone caller the delay (measured: 1.5 ms calls became 7.7 ms at 5 ms), and
 * costs a steady group of callers the delay on every pass. The previous pass's call count is the
 * observed concurrency: a lone caller never waits, a group of 32 waits only until the 32 are back,
 * and a group that shrank waits the delay once and then expects fewer.
 *
 * <p>One thread runs every forward pass: on a CPU, PyTorch's intra-op threads already use the cores.
 * Off ({@code batching = false}), each call is a pass of its own, in arrival order.
 */
public final class DynamicBatcher implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(DynamicBatcher.class);

    /** Runs one forward pass: {@code count} images of HWC pixels at the encoder's size to (count, D). */
    @FunctionalInterface
    public interface Forward {
        float[][] run(EncoderRef encoder, byte[] pixels, int count);
    }

    /**
     * @param rows         (n, D) features of the call's images, in order
     * @param forwardBatch images in the largest forward pass the call was part of
     */
    public record Result(float[][] rows, int forwardBatch) {}

    private record Job(EncoderRef encoder, List<byte[]> images, long arrived, CompletableFuture<Result> result) {}

    private static final int REMEMBERED_ENCODERS = 64;

    private final Forward forward;
    private final boolean batching;
    private final int maxBatch;
    private final long maxDelayNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final LinkedList<Job> queue = new LinkedList<>();
    /**
     * Calls in each encoder's previous pass: the company the next pass waits for (guarded by lock).
     * Bounded: an encoder not served among the last {@value #REMEMBERED_ENCODERS} starts again at one.
     */
    private final Map<EncoderRef, Integer> previousCalls = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<EncoderRef, Integer> eldest) {
            return size() > REMEMBERED_ENCODERS;
        }
    };

    private final ExecutorService worker;
    private boolean closed;

    public DynamicBatcher(Forward forward, boolean batching, int maxBatch, Duration maxDelay) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be at least 1, was " + maxBatch);
        }
        this.forward = forward;
        this.batching = batching;
        this.maxBatch = maxBatch;
        this.maxDelayNanos = maxDelay.toNanos();
        this.worker = Executors.newSingleThreadExecutor(r -> new Thread(r, "eval-embed"));
        worker.submit(this::loop);
    }

    /**
     * @param images HWC pixels at the encoder's image size, one array per image
     * @return the call's features, or its failure (the forward's exception)
     */
    public CompletableFuture<Result> submit(EncoderRef encoder, List<byte[]> images) {
        CompletableFuture<Result> result = new CompletableFuture<>();
        if (images.isEmpty()) {
            result.complete(new Result(new float[0][], 0));
            return result;
        }
        lock.lock();
        try {
            if (closed) {
                result.completeExceptionally(new CancellationException("the embedding service is shutting down"));
                return result;
            }
            queue.add(new Job(encoder, images, System.nanoTime(), result));
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        return result;
    }

    private void loop() {
        while (true) {
            List<Job> jobs;
            try {
                jobs = next();
            } catch (InterruptedException e) {
                return;
            }
            if (jobs == null) {
                return;
            }
            run(jobs);
        }
    }

    /** The calls of the next pass, waiting for company up to the first call's deadline; null once closed. */
    private List<Job> next() throws InterruptedException {
        lock.lock();
        try {
            while (queue.isEmpty() && !closed) {
                changed.await();
            }
            if (closed) {
                return null;
            }
            Job first = queue.getFirst();
            if (!batching) {
                return List.of(queue.removeFirst());
            }
            long deadline = first.arrived() + maxDelayNanos;
            int expected = previousCalls.getOrDefault(first.encoder(), 1);
            while (!closed) {
                long left = deadline - System.nanoTime();
                Waiting waiting = waiting(first.encoder());
                if (waiting.images() >= maxBatch || waiting.calls() >= expected || left <= 0) {
                    break;
                }
                changed.awaitNanos(left);
            }
            List<Job> taken = new ArrayList<>();
            int images = 0;
            for (Iterator<Job> it = queue.iterator(); it.hasNext(); ) {
                Job job = it.next();
                if (!job.encoder().equals(first.encoder())) {
                    continue;
                }
                if (!taken.isEmpty() && images + job.images().size() > maxBatch) {
                    break;
                }
                taken.add(job);
                images += job.images().size();
                it.remove();
            }
            previousCalls.put(first.encoder(), taken.size());
            return taken;
        } finally {
            lock.unlock();
        }
    }

    private record Waiting(int calls, int images) {}

    private Waiting waiting(EncoderRef encoder) {
        int calls = 0;
        int images = 0;
        for (Job job : queue) {
            if (job.encoder().equals(encoder)) {
                calls++;
                images += job.images().size();
            }
        }
        return new Waiting(calls, images);
    }

    /** Forward passes of at most maxBatch images over the jobs' images, in order; a failure fails every job. */
    private void run(List<Job> jobs) {
        int total = jobs.stream().mapToInt(j -> j.images().size()).sum();
        EncoderRef encoder = jobs.get(0).encoder();
        int imageBytes = jobs.get(0).images().get(0).length;
        try {
            float[][] rows = new float[total][];
            List<byte[]> all = new ArrayList<>(total);
            jobs.forEach(j -> all.addAll(j.images()));
            for (int from = 0; from < total; from += maxBatch) {
                int count = Math.min(maxBatch, total - from);
                byte[] pixels = new byte[count * imageBytes];
                for (int i = 0; i < count; i++) {
                    System.arraycopy(all.get(from + i), 0, pixels, i * imageBytes, imageBytes);
                }
                float[][] out = forward.run(encoder, pixels, count);
                System.arraycopy(out, 0, rows, from, count);
            }
            int forwardBatch = Math.min(total, maxBatch);
            int at = 0;
            for (Job job : jobs) {
                float[][] mine = new float[job.images().size()][];
                System.arraycopy(rows, at, mine, 0, mine.length);
                at += mine.length;
                job.result().complete(new Result(mine, forwardBatch));
            }
        } catch (RuntimeException | Error e) {
            LOG.debugf(
                    e,
                    "forward pass of %s images for %s step %s failed",
                    (Object) total,
                    encoder.runId(),
                    encoder.step());
            jobs.forEach(j -> j.result().completeExceptionally(e));
        }
    }

    /** Stops the worker; calls still waiting fail with a CancellationException. */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            queue.forEach(j -> j.result()
                    .completeExceptionally(new CancellationException("the embedding service is shutting down")));
            queue.clear();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        worker.shutdown();
        try {
            if (!worker.awaitTermination(30, TimeUnit.SECONDS)) {
                worker.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
