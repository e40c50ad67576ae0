package io.twinview.trainer.kafka;

import io.twinview.core.checkpoint.CheckpointStore;
import io.twinview.core.kafka.KafkaRetry;
import io.twinview.core.retry.Backoff;
import io.twinview.core.retry.Waits;
import io.twinview.proto.v1.CheckpointEvent;
import io.twinview.proto.v1.CheckpointManifest;
import io.twinview.trainer.run.CheckpointSink;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Checkpoints into object storage, and their events onto the checkpoints topic. An event the broker
 * does not acknowledge (a broker away longer than the producer's timeouts) is sent again with the
 * {@link Backoff} while the process waits for {@link Waits#BROKER}; eval-service evaluates a
 * checkpoint announced twice once per event, which is harmless.
 */
public final class KafkaCheckpointSink implements CheckpointSink {

    private final CheckpointStore store;
    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    private final Backoff backoff;
    private final Waits waits;

    /** A sink that sends each event once. */
    public KafkaCheckpointSink(CheckpointStore store, KafkaProducer<byte[], byte[]> producer, String topic) {
        this(store, producer, topic, KafkaRetry.NO_RETRY, new Waits());
    }

    /**
     * @param backoff how long and how often an unacknowledged event is sent again ({@code twinview.retry.*})
     * @param waits the process's waits: {@link Waits#BROKER} while it is sent again
     */
    public KafkaCheckpointSink(
            CheckpointStore store, KafkaProducer<byte[], byte[]> producer, String topic, Backoff backoff, Waits waits) {
        this.store = store;
        this.producer = producer;
        this.topic = topic;
        this.backoff = backoff;
        this.waits = waits;
    }

    @Override
    public String write(CheckpointManifest manifest, Map<String, byte[]> objects) {
        return store.write(manifest, objects);
    }

    @Override
    public void announce(CheckpointEvent event) {
        byte[] key = event.getRunId().getBytes(StandardCharsets.UTF_8);
        KafkaRetry.call(backoff, waits, "announce checkpoint " + event.getManifestKey() + " on " + topic, () -> {
            KafkaTaskSink.await(producer.send(new ProducerRecord<>(topic, key, event.toByteArray())));
            return null;
        });
    }

    @Override
    public String bucket() {
        return store.bucket();
    }
}
