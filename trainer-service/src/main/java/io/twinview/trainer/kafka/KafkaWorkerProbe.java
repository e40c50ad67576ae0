package io.twinview.trainer.kafka;

import io.twinview.core.kafka.KafkaClients;
import io.twinview.trainer.run.WorkerProbe;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.jboss.logging.Logger;

/**
 * The augment workers' consumer group as the broker describes it (Admin.describeConsumerGroups):
 * its members are the workers alive, or at least not yet past their session timeout.
 */
public final class KafkaWorkerProbe implements WorkerProbe, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(KafkaWorkerProbe.class);

    private final Admin admin;
    private final String group;

    /** @param group the workers' {@code twinview.augment.group-id} */
    public KafkaWorkerProbe(KafkaClients kafka, String group) {
        this.admin = kafka.admin("trainer-worker-probe");
        this.group = group;
    }

    @Override
    public OptionalInt members() {
        try {
            ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group))
                    .describedGroups()
                    .get(group)
                    .get(10, TimeUnit.SECONDS);
            return OptionalInt.of(description.members().size()); // a group never joined is DEAD, no members
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return OptionalInt.of(0); // no worker ever joined
            }
            LOG.debugf("cannot describe consumer group %s: %s", group, e.getCause());
            return OptionalInt.empty();
        } catch (TimeoutException e) {
            return OptionalInt.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalInt.empty();
        }
    }

    @Override
    public String describe() {
        return "consumer group '" + group + "'";
    }

    @Override
    public void close() {
        admin.close();
    }
}
