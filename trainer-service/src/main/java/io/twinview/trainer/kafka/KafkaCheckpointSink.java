package io.twinview.trainer.kafka;

import io.twinview.core.checkpoint.CheckpointStore;
import io.twinview.proto.v1.CheckpointEvent;
import io.twinview.proto.v1.CheckpointManifest;
import io.twinview.trainer.run.CheckpointSink;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Checkpoints into object storage, and their events onto the checkpoints topic. */
public final class KafkaCheckpointSink implements CheckpointSink {

    private final CheckpointStore store;
    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;

    public KafkaCheckpointSink(CheckpointStore store, KafkaProducer<byte[], byte[]> producer, String topic) {
        this.store = store;
        this.producer = producer;
        this.topic = topic;
    }

    @Override
    public String write(CheckpointManifest manifest, Map<String, byte[]> objects) {
        return store.write(manifest, objects);
    }

    @Override
    public void announce(CheckpointEvent event) {
        byte[] key = event.getRunId().getBytes(StandardCharsets.UTF_8);
        KafkaTaskSink.await(producer.send(new ProducerRecord<>(topic, key, event.toByteArray())));
    }

    @Override
    public String bucket() {
        return store.bucket();
    }
}
