package io.twinview.trainer.health;

import io.twinview.core.storage.ObjectStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/**
 * Asks the trainer's two dependencies whether they answer, each within a timeout: Kafka (the
 * cluster describes itself) and S3 (the bucket exists). Both are asked at once.
 */
final class Dependencies implements AutoCloseable {

    /**
     * @param details per dependency, "ok: ..." or what failed
     * @param failed the dependencies that did not answer, in check order
     */
    record Answer(Map<String, String> details, List<String> failed) {
        boolean up() {
            return failed.isEmpty();
        }
    }

    static final String KAFKA = "kafka";
    static final String STORAGE = "storage";

    private final Admin admin;
    private final ObjectStore store;
    private final String storageEndpoint;
    private final Duration timeout;
    /** A client stuck past the timeout keeps only its own thread. */
    private final ExecutorService probes = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "trainer-readiness");
        thread.setDaemon(true);
        return thread;
    });

    Dependencies(Admin admin, ObjectStore store, String storageEndpoint, Duration timeout) {
        this.admin = admin;
        this.store = store;
        this.storageEndpoint = storageEndpoint;
        this.timeout = timeout;
    }

    Answer ask() {
        CompletableFuture<String> kafka = CompletableFuture.supplyAsync(this::kafka, probes);
        CompletableFuture<String> storage = CompletableFuture.supplyAsync(this::storage, probes);
        Map<String, String> details = new LinkedHashMap<>();
        List<String> failed = new ArrayList<>();
        record(KAFKA, kafka, details, failed);
        record(STORAGE, storage, details, failed);
        return new Answer(details, failed);
    }

    private String kafka() {
        try {
            var cluster = admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis()));
            String id = cluster.clusterId().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            int brokers = cluster.nodes()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .size();
            return "ok: cluster " + id + ", " + brokers + " broker(s)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("describeCluster: " + cause(e), e);
        }
    }

    private String storage() {
        if (!store.bucketExists()) {
            throw new IllegalStateException("bucket " + store.bucket() + " does not exist at " + storageEndpoint);
        }
        return "ok: bucket " + store.bucket() + " at " + storageEndpoint;
    }

    private void record(
            String name, CompletableFuture<String> probe, Map<String, String> details, List<String> failed) {
        try {
            details.put(name, probe.get(timeout.toMillis() + 500, TimeUnit.MILLISECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            details.put(name, "interrupted");
            failed.add(name);
        } catch (ExecutionException e) {
            details.put(name, cause(e));
            failed.add(name);
        } catch (TimeoutException e) {
            probe.cancel(true);
            details.put(name, "no answer within " + timeout.toMillis() + " ms");
            failed.add(name);
        }
    }

    private static String cause(Throwable e) {
        Throwable root = e;
        while ((root instanceof ExecutionException || root instanceof CompletionException) && root.getCause() != null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    @Override
    public void close() {
        probes.shutdownNow();
    }
}
