package io.twinview.trainer.kafka;

import io.twinview.core.kafka.KafkaRetry;
import io.twinview.core.retry.Backoff;
import io.twinview.core.retry.Waits;
import io.twinview.proto.v1.AugmentTask;
import io.twinview.trainer.run.TaskSink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Publishes AugmentTasks to the shared tasks topic, keyed by run and task so tasks spread over partitions.
 *
 * <p>A broker that is away longer than the producer's own timeouts ({@code delivery.timeout.ms},
 * {@code max.block.ms}) is waited out: the tasks the broker did not acknowledge are sent again with
 * the {@link Backoff} until it gives up, while the process says it waits for {@link Waits#BROKER}. A
 * task sent twice is harmless: its views carry (task, sequence) and the trainer drops duplicates.
 * A permanent error (a refused login or ACL) fails at once.
 */
public final class KafkaTaskSink implements TaskSink {

    /** Longer than any delivery.timeout.ms a deployment sets: the producer fails a record by then. */
    private static final Duration ACK_WAIT = Duration.ofMinutes(10);

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    private final Backoff backoff;
    private final Waits waits;

    /** A sink that sends each task once and fails when the broker does not acknowledge it. */
    public KafkaTaskSink(KafkaProducer<byte[], byte[]> producer, String topic) {
        this(producer, topic, KafkaRetry.NO_RETRY, new Waits());
    }

    /**
     * @param backoff how long and how often unacknowledged tasks are sent again ({@code twinview.retry.*})
     * @param waits the process's waits: {@link Waits#BROKER} while tasks are sent again
     */
    public KafkaTaskSink(KafkaProducer<byte[], byte[]> producer, String topic, Backoff backoff, Waits waits) {
        this.producer = producer;
        this.topic = topic;
        this.backoff = backoff;
        this.waits = waits;
    }

    @Override
    public void publish(List<AugmentTask> tasks) {
        List<AugmentTask> pending = new ArrayList<>(tasks);
        KafkaRetry.call(backoff, waits, "publish " + tasks.size() + " task(s) to " + topic, () -> {
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            RuntimeException refused = null;
            for (AugmentTask task : pending) {
                byte[] key = (task.getRunId() + "/" + task.getTaskId()).getBytes(StandardCharsets.UTF_8);
                try {
                    sends.add(producer.send(new ProducerRecord<>(topic, key, task.toByteArray())));
                } catch (RuntimeException e) { // no metadata within max.block.ms: nothing of this one was sent
                    sends.add(null);
                    refused = refused == null ? e : refused;
                }
            }
            producer.flush();
            List<AugmentTask> failed = new ArrayList<>();
            RuntimeException first = refused;
            for (int i = 0; i < pending.size(); i++) {
                try {
                    if (sends.get(i) == null) {
                        failed.add(pending.get(i));
                    } else {
                        await(sends.get(i));
                    }
                } catch (RuntimeException e) {
                    failed.add(pending.get(i));
                    first = first == null ? e : first;
                }
            }
            pending.clear();
            pending.addAll(failed); // the next try sends only what the broker did not acknowledge
            if (first != null) {
                throw first;
            }
            return null;
        });
    }

    /**
     * Waits for the broker's acknowledgement of one record.
     *
     * @throws IllegalStateException whose cause is the producer's error (a transient one when the
     *     broker was away longer than delivery.timeout.ms)
     */
    static void await(Future<RecordMetadata> send) {
        try {
            send.get(ACK_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException("Kafka did not acknowledge a record: " + cause.getMessage(), cause);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not acknowledge a record: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Kafka", e);
        }
    }
}
