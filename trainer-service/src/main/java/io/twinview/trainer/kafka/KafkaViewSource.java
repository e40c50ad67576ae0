package io.twinview.trainer.kafka;

import io.twinview.core.kafka.KafkaClients;
import io.twinview.core.kafka.Topics;
import io.twinview.proto.v1.PartitionCursor;
import io.twinview.trainer.run.ViewRecord;
import io.twinview.trainer.run.ViewSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** A run's views topic, every partition assigned to this one consumer, positioned by the trainer. */
public final class KafkaViewSource implements ViewSource {

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String topic;
    private final List<Integer> partitions;

    public KafkaViewSource(KafkaClients kafka, String topic) {
        this.topic = topic;
        this.consumer = kafka.viewsConsumer("trainer-" + topic);
        try {
            this.partitions = Topics.assignAllFromBeginning(consumer, topic, Duration.ofSeconds(30)).stream()
                    .map(TopicPartition::partition)
                    .toList();
        } catch (RuntimeException e) {
            consumer.close();
            throw e;
        }
    }

    @Override
    public List<Integer> partitions() {
        return partitions;
    }

    @Override
    public void seek(List<PartitionCursor> positions) {
        Map<Integer, Long> offsets = new HashMap<>();
        positions.forEach(p -> offsets.put(p.getPartition(), p.getOffset()));
        for (int partition : partitions) {
            TopicPartition tp = new TopicPartition(topic, partition);
            Long offset = offsets.get(partition);
            if (offset == null) {
                consumer.seekToBeginning(List.of(tp));
            } else {
                consumer.seek(tp, offset);
            }
        }
    }

    @Override
    public List<ViewRecord> poll(Duration timeout) {
        List<ViewRecord> records = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(timeout)) {
            records.add(new ViewRecord(record.partition(), record.offset(), record.value()));
        }
        return records;
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
