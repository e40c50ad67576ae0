package io.twinview.k8s.check;

import com.fasterxml.jackson.databind.JsonNode;
import io.twinview.augment.config.AugmentConfig;
import io.twinview.core.kafka.KafkaAcls;
import io.twinview.core.kafka.Topics;
import io.twinview.eval.config.EvalConfig;
import io.twinview.k8s.Check;
import io.twinview.k8s.Json;
import io.twinview.k8s.Manifest;
import io.twinview.k8s.Manifests;
import io.twinview.k8s.ServiceSettings;
import io.twinview.k8s.ServiceSettings.Setting;
import io.twinview.k8s.Violation;
import io.twinview.trainer.config.TrainerConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.resource.PatternType;

/**
 * The Kafka the manifests declare agrees with what the services are configured to use (their settings as the
 * Deployments give them, see {@link ServiceSettings}):
 * <ul>
 *   <li>workers and trainer name the same tasks topic and partition count;
 *   <li>where the rendering manages topics (Strimzi KafkaTopics), the tasks, checkpoints and dead-letter topics
 *       exist, and the tasks topic has exactly the services' partitions (a worker would raise fewer, and Kafka
 *       cannot lower more);
 *   <li>KafkaUser ACLs name those topics and groups, and the views topics only by their prefix;
 *   <li>the services' KafkaUsers have exactly the ACLs of {@link KafkaAcls} for those names: no more (least
 *       privilege), no fewer (the secure-broker tests prove the services need each one).
 * </ul>
 */
public final class KafkaTopicCheck implements Check {

    @Override
    public List<Violation> check(Manifests manifests) {
        List<Violation> violations = new ArrayList<>();
        Optional<ServiceSettings> augment = ServiceSettings.of(manifests, "augment", AugmentConfig.class);
        Optional<ServiceSettings> trainer = ServiceSettings.of(manifests, "trainer", TrainerConfig.class);
        Optional<ServiceSettings> eval = ServiceSettings.of(manifests, "eval", EvalConfig.class);
        if (augment.isEmpty() || trainer.isEmpty()) {
            return violations;
        }
        Setting tasksTopic = augment.get().get("tasksTopic");
        Setting tasksPartitions = augment.get().get("tasksPartitions");
        Setting trainerTopic = trainer.get().get("tasksTopic");
        Setting trainerPartitions = trainer.get().get("tasksPartitions");
        Manifest workers = augment.get().container().pod().manifest();
        if (!tasksTopic.value().equals(trainerTopic.value())) {
            violations.add(Violation.of(
                    workers,
                    augment.get().container().path() + ".env",
                    "workers read tasks from " + tasksTopic + " but the trainer writes them to " + trainerTopic));
        }
        if (tasksPartitions.asInt() != trainerPartitions.asInt()) {
            violations.add(Violation.of(
                    workers,
                    augment.get().container().path() + ".env",
                    "workers want " + tasksPartitions + " tasks partitions, the trainer " + trainerPartitions));
        }

        List<Manifest> topics = manifests.ofKind("KafkaTopic");
        if (topics.isEmpty() && manifests.ofKind("Kafka").isEmpty()) {
            return violations; // the services create their topics (dev)
        }
        Set<String> wanted = new LinkedHashSet<>(List.of(
                tasksTopic.value(),
                augment.get().get("deadLetterTopic").value(),
                trainer.get().get("checkpointsTopic").value()));
        eval.ifPresent(e -> wanted.add(e.get("checkpointsTopic").value()));
        Manifest anchor = manifests.ofKind("Kafka").isEmpty()
                ? topics.get(0)
                : manifests.ofKind("Kafka").get(0);
        for (String topic : wanted) {
            if (topic(manifests, topic).isEmpty()) {
                violations.add(
                        Violation.of(anchor, "spec", "no KafkaTopic for topic " + topic + ", which the services use"));
            }
        }
        topic(manifests, tasksTopic.value()).ifPresent(topic -> {
            int partitions = topic.at("spec.partitions").asInt(-1);
            if (partitions != tasksPartitions.asInt()) {
                violations.add(Violation.of(
                        topic,
                        "spec.partitions",
                        "is " + partitions + " but the services' tasks partitions are " + tasksPartitions.value() + " ("
                                + tasksPartitions.source() + ")"));
            }
        });

        Set<String> groups =
                new LinkedHashSet<>(List.of(augment.get().get("groupId").value()));
        eval.ifPresent(e -> groups.add(e.get("groupId").value()));
        String viewsPrefix = Topics.viewsTopic("");
        for (Manifest user : manifests.ofKind("KafkaUser")) {
            JsonNode acls = user.at("spec.authorization.acls");
            for (int i = 0; i < acls.size(); i++) {
                JsonNode resource = acls.get(i).path("resource");
                String path = Json.index("spec.authorization.acls", i) + ".resource.name";
                String name = resource.path("name").asText();
                String type = resource.path("type").asText();
                boolean prefix = resource.path("patternType").asText("literal").equals("prefix");
                if (type.equals("group") && !groups.contains(name)) {
                    violations.add(
                            Violation.of(user, path, "group " + name + " is none of the services' groups " + groups));
                }
                if (type.equals("topic") && prefix && !name.equals(viewsPrefix)) {
                    violations.add(Violation.of(
                            user, path, "prefix " + name + " is not the views topics' prefix " + viewsPrefix));
                }
                if (type.equals("topic") && !prefix && topic(manifests, name).isEmpty()) {
                    violations.add(Violation.of(user, path, "topic " + name + " has no KafkaTopic"));
                }
            }
        }
        String tasks = tasksTopic.value();
        String deadLetters = augment.get().get("deadLetterTopic").value();
        String checkpoints = trainer.get().get("checkpointsTopic").value();
        Map<String, List<AclBinding>> expected = new LinkedHashMap<>();
        expected.put(
                KafkaAcls.AUGMENT_USER,
                KafkaAcls.augment(
                        KafkaAcls.AUGMENT_USER,
                        tasks,
                        augment.get().get("groupId").value(),
                        deadLetters));
        expected.put(KafkaAcls.TRAINER_USER, KafkaAcls.trainer(KafkaAcls.TRAINER_USER, tasks, checkpoints));
        eval.ifPresent(e -> expected.put(
                KafkaAcls.EVAL_USER,
                KafkaAcls.eval(
                        KafkaAcls.EVAL_USER,
                        e.get("checkpointsTopic").value(),
                        e.get("groupId").value())));
        for (Manifest user : manifests.ofKind("KafkaUser")) {
            List<AclBinding> wantedAcls = expected.get(user.name());
            if (wantedAcls == null) {
                continue; // not a service's user (KEDA's)
            }
            Set<String> declared = new TreeSet<>();
            JsonNode acls = user.at("spec.authorization.acls");
            for (int i = 0; i < acls.size(); i++) {
                JsonNode resource = acls.get(i).path("resource");
                boolean prefix = resource.path("patternType").asText("literal").equals("prefix");
                for (JsonNode operation : acls.get(i).path("operations")) {
                    declared.add(acl(
                            resource.path("type").asText(),
                            resource.path("name").asText(),
                            prefix,
                            operation.asText()));
                }
            }
            Set<String> granted = new TreeSet<>();
            for (AclBinding binding : wantedAcls) {
                granted.add(acl(
                        binding.pattern().resourceType().name(),
                        binding.pattern().name(),
                        binding.pattern().patternType() == PatternType.PREFIXED,
                        binding.entry().operation().name()));
            }
            if (!declared.equals(granted)) {
                Set<String> extra = new TreeSet<>(declared);
                extra.removeAll(granted);
                Set<String> missing = new TreeSet<>(granted);
                missing.removeAll(declared);
                violations.add(Violation.of(
                        user,
                        "spec.authorization.acls",
                        "differ from io.twinview.core.kafka.KafkaAcls: more " + extra + ", fewer " + missing));
            }
        }
        return violations;
    }

    /** {@code TOPIC twinview.views.* WRITE}: one ACL, the same for a manifest's and Kafka's spellings. */
    private static String acl(String type, String name, boolean prefix, String operation) {
        return type.toUpperCase(Locale.ROOT) + " " + name + (prefix ? "*" : "") + " "
                + operation.toUpperCase(Locale.ROOT);
    }

    /** The KafkaTopic of a Kafka topic name (spec.topicName, else metadata.name). */
    static Optional<Manifest> topic(Manifests manifests, String name) {
        return manifests.ofKind("KafkaTopic").stream()
                .filter(t -> t.at("spec.topicName").asText(t.name()).equals(name))
                .findFirst();
    }
}
