package io.twinview.trainer.kafka;

import io.twinview.core.kafka.KafkaClients;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DeleteTopicsOptions;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.jboss.logging.Logger;

/**
 * Deletes a run's views topic once the run ended for good (succeeded, failed, cancelled): its records
 * are read by no one after that. A preempted run keeps it, as the next process resumes from it. A
 * failure to delete is logged, never thrown: the topic's retention (twinview.trainer.views-retention)
 * empties it anyway.
 */
public final class ViewsTopicCleanup {

    private static final Logger LOG = Logger.getLogger(ViewsTopicCleanup.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final KafkaClients kafka;
    private final Duration timeout;

    public ViewsTopicCleanup(KafkaClients kafka, Duration timeout) {
        this.kafka = kafka;
        this.timeout = timeout;
    }

    /** @return whether the topic is gone (deleted now, or there was none) */
    public boolean delete(String runId, String topic) {
        Admin admin = kafka.admin("trainer-cleanup");
        try {
            admin.deleteTopics(List.of(topic), new DeleteTopicsOptions().timeoutMs((int) timeout.toMillis()))
                    .all()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            LOG.infof("run %s ended: deleted its views topic %s", runId, topic);
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                LOG.infof("run %s ended: its views topic %s was already gone", runId, topic);
                return true;
            }
            LOG.warnf(
                    "run %s ended: could not delete its views topic %s: %s", runId, topic, kafka.explain(e.getCause()));
        } catch (TimeoutException e) {
            LOG.warnf(
                    "run %s ended: could not delete its views topic %s within %d s (is the broker up?)",
                    runId, topic, timeout.toSeconds());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warnf("run %s ended: interrupted while deleting its views topic %s", runId, topic);
        } catch (RuntimeException e) {
            LOG.warnf("run %s ended: could not delete its views topic %s: %s", runId, topic, kafka.explain(e));
        } finally {
            admin.close(CLOSE_TIMEOUT); // not Admin.close(): it waits for a call to a broker that is down
        }
        return false;
    }
}
