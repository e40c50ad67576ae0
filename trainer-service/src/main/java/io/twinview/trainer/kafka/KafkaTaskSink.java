package io.twinview.trainer.kafka;

import io.twinview.proto.v1.AugmentTask;
import io.twinview.trainer.run.TaskSink;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/** Publishes AugmentTasks to the shared tasks topic, keyed by run and task so tasks spread over partitions. */
public final class KafkaTaskSink implements TaskSink {

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;

    public KafkaTaskSink(KafkaProducer<byte[], byte[]> producer, String topic) {
        this.producer = producer;
        this.topic = topic;
    }

    @Override
    public void publish(List<AugmentTask> tasks) {
        List<Future<RecordMetadata>> sends = new ArrayList<>();
        for (AugmentTask task : tasks) {
            byte[] key = (task.getRunId() + "/" + task.getTaskId()).getBytes(StandardCharsets.UTF_8);
            sends.add(producer.send(new ProducerRecord<>(topic, key, task.toByteArray())));
        }
        producer.flush();
        for (Future<RecordMetadata> send : sends) {
            await(send);
        }
    }

    static void await(Future<RecordMetadata> send) {
        try {
            send.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Kafka did not acknowledge a record: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Kafka", e);
        }
    }
}
