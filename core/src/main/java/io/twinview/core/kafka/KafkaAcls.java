package io.twinview.core.kafka;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Each service's Kafka user may do what its code does and nothing else. The same ACLs as the Strimzi
 * {@code KafkaUser}s of {@code k8s/components/strimzi/users.yaml} (a k8s test compares them) and the
 * table of docs/security.md. The shared topics exist before the services start (KafkaTopics, or the
 * embedded broker's admin): no service may create or alter them.
 *
 * <ul>
 *   <li>augment workers: Read the tasks topic in their group; Write ViewBatches to every
 *       {@code twinview.views.*} topic and dead letters to the dead-letter topic. Not the checkpoints topic.
 *   <li>trainer: Write tasks and checkpoint events; Create and Read its runs' {@code twinview.views.*}
 *       topics (by assignment, no group: offsets live in checkpoints), and Delete each when its run ends.
 *   <li>eval: Read checkpoint events in its group. Nothing else.
 * </ul>
 * Describe comes with every topic (producers and {@link Topics#ensure} look topics up). Idempotent
 * producers need no cluster ACL (Write on a topic suffices since Kafka 2.8).
 */
public final class KafkaAcls {

    public static final String AUGMENT_USER = "twinview-augment";
    public static final String TRAINER_USER = "twinview-trainer";
    public static final String EVAL_USER = "twinview-eval";
    /** The consumer group of augment workers, {@code twinview.augment.group-id}'s default. */
    public static final String AUGMENT_GROUP = "twinview-augment";
    /** eval-service's consumer group, {@code twinview.eval.group-id}'s default. */
    public static final String EVAL_GROUP = "twinview-eval";
    /** The prefix of every run's views topic ({@link Topics#viewsTopic(String)}). */
    public static final String VIEWS_PREFIX = Topics.viewsTopic("");

    private KafkaAcls() {}

    /** The three users with the default topic and group names. */
    public static Map<String, List<AclBinding>> defaults() {
        Map<String, List<AclBinding>> users = new LinkedHashMap<>();
        users.put(
                AUGMENT_USER,
                augment(AUGMENT_USER, Topics.DEFAULT_TASKS_TOPIC, AUGMENT_GROUP, Topics.DEFAULT_DEAD_LETTER_TOPIC));
        users.put(TRAINER_USER, trainer(TRAINER_USER, Topics.DEFAULT_TASKS_TOPIC, Topics.DEFAULT_CHECKPOINTS_TOPIC));
        users.put(EVAL_USER, eval(EVAL_USER, Topics.DEFAULT_CHECKPOINTS_TOPIC, EVAL_GROUP));
        return users;
    }

    public static List<AclBinding> augment(String user, String tasksTopic, String group, String deadLetterTopic) {
        List<AclBinding> acls = new ArrayList<>();
        acls.addAll(topic(user, tasksTopic, PatternType.LITERAL, AclOperation.READ, AclOperation.DESCRIBE));
        acls.add(allow(user, ResourceType.GROUP, group, PatternType.LITERAL, AclOperation.READ));
        acls.addAll(topic(user, VIEWS_PREFIX, PatternType.PREFIXED, AclOperation.WRITE, AclOperation.DESCRIBE));
        acls.addAll(topic(user, deadLetterTopic, PatternType.LITERAL, AclOperation.WRITE, AclOperation.DESCRIBE));
        return List.copyOf(acls);
    }

    public static List<AclBinding> trainer(String user, String tasksTopic, String checkpointsTopic) {
        List<AclBinding> acls = new ArrayList<>();
        acls.addAll(topic(user, tasksTopic, PatternType.LITERAL, AclOperation.WRITE, AclOperation.DESCRIBE));
        acls.addAll(topic(
                user,
                VIEWS_PREFIX,
                PatternType.PREFIXED,
                AclOperation.CREATE,
                AclOperation.READ,
                AclOperation.DESCRIBE,
                AclOperation.DELETE));
        acls.addAll(topic(user, checkpointsTopic, PatternType.LITERAL, AclOperation.WRITE, AclOperation.DESCRIBE));
        return List.copyOf(acls);
    }

    public static List<AclBinding> eval(String user, String checkpointsTopic, String group) {
        List<AclBinding> acls = new ArrayList<>();
        acls.addAll(topic(user, checkpointsTopic, PatternType.LITERAL, AclOperation.READ, AclOperation.DESCRIBE));
        acls.add(allow(user, ResourceType.GROUP, group, PatternType.LITERAL, AclOperation.READ));
        return List.copyOf(acls);
    }

    private static List<AclBinding> topic(String user, String name, PatternType pattern, AclOperation... operations) {
        List<AclBinding> acls = new ArrayList<>();
        for (AclOperation operation : operations) {
            acls.add(allow(user, ResourceType.TOPIC, name, pattern, operation));
        }
        return acls;
    }

    private static AclBinding allow(
            String user, ResourceType type, String name, PatternType pattern, AclOperation operation) {
        return new AclBinding(
                new ResourcePattern(type, name, pattern),
                new AccessControlEntry("User:" + user, "*", operation, AclPermissionType.ALLOW));
    }
}
